package dev.bypass.packetdrill;

/**
 * The stack did not do what the script expects (or the script asks for something impossible at run
 * time). The message is packetdrill's: {@code file:line: error handling packet: ...} followed by the
 * script and actual packets.
 */
final class ScriptFailure extends RuntimeException {
    ScriptFailure(String message) {
        super(message, null, false, false);
    }
}
