package dev.bypass.packetdrill;

/** A script that does not follow packetdrill's grammar; the message names the line. */
public final class ScriptSyntaxException extends RuntimeException {
    private final int line;

    ScriptSyntaxException(int line, String message) {
        super("line " + line + ": " + message);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
