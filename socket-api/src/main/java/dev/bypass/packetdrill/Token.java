package dev.bypass.packetdrill;

/**
 * One token of a packetdrill script, as {@link ScriptLexer} cuts it: its kind, its text and the line it
 * starts on. Numbers keep their value as well as their text ({@code .1} is 0.1 s, {@code 0x10} is 16).
 */
record Token(Kind kind, String text, int line, long integer, double floating) {
    enum Kind {
        /** A decimal integer, sign included ({@code -1}, {@code 1000}). */
        INTEGER,
        /** A hexadecimal integer ({@code 0x7fffffff}). */
        HEX_INTEGER,
        /** A decimal with a point ({@code .1}, {@code 0.200}). */
        FLOAT,
        /** A name: a system call, a constant, a keyword ({@code ack}, {@code win}, {@code SO_REUSEADDR}). */
        WORD,
        /** A double-quoted string, without its quotes. */
        STRING,
        /** A backquoted shell command, without its quotes. */
        BACKQUOTED,
        /** The text of a {@code %{ ... }%} block, spaces and tabs trimmed at both ends. */
        CODE,
        /** A {@code --name} option, without its dashes. */
        OPTION,
        /** {@code ...} */
        ELLIPSIS,
        /** A dotted IPv4 address. */
        IPV4_ADDRESS,
        /** Any other single character ({@code < > . : ( ) [ ] { } , = | + * ~ -}). */
        PUNCT,
        /** The end of the script. */
        END
    }

    static Token of(Kind kind, String text, int line) {
        return new Token(kind, text, line, 0, 0);
    }

    boolean is(char punct) {
        return kind == Kind.PUNCT && text.length() == 1 && text.charAt(0) == punct;
    }

    boolean isWord(String word) {
        return kind == Kind.WORD && text.equals(word);
    }

    boolean isInteger() {
        return kind == Kind.INTEGER || kind == Kind.HEX_INTEGER;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case END -> "end of script";
            case STRING -> "\"" + text + "\"";
            case BACKQUOTED -> "`" + text + "`";
            case CODE -> "%{ " + text + " }%";
            case OPTION -> "--" + text;
            default -> "'" + text + "'";
        };
    }
}
