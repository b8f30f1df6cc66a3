package dev.bypass.packetdrill;

/** The script uses something bypass or the runner does not model; it is skipped, never passed. */
final class ScriptSkip extends RuntimeException {
    ScriptSkip(String reason) {
        super(reason, null, false, false);
    }
}
