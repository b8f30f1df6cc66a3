package dev.bypass.packetdrill;

import dev.bypass.packetdrill.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a packetdrill script into {@link Token}s, with the rules of packetdrill's own lexer: {@code //} and
 * {@code /* *}{@code /} comments, backquoted commands, {@code %{ }%} code blocks, {@code --options},
 * and numbers and words taken by longest match (so {@code 0.200} is one number, {@code 1:1001} is three
 * tokens and {@code 0x10} is hexadecimal). Keywords ({@code ack}, {@code win}, {@code mss}) stay words;
 * the parser tells them apart.
 */
final class ScriptLexer {
    private final String text;
    private int pos;
    private int line = 1;

    private ScriptLexer(String text) {
        this.text = text;
    }

    static List<Token> tokenize(String text) {
        return new ScriptLexer(text).all();
    }

    private List<Token> all() {
        List<Token> tokens = new ArrayList<>();
        for (Token t = next(); ; t = next()) {
            tokens.add(t);
            if (t.kind() == Kind.END) {
                return tokens;
            }
        }
    }

    private Token next() {
        skipSpaceAndComments();
        if (pos >= text.length()) {
            return Token.of(Kind.END, "", line);
        }
        int start = pos;
        int startLine = line;
        char c = text.charAt(pos);
        if (c == '%' && peek(1) == '{') {
            int end = text.indexOf("}%", pos + 2);
            if (end < 0) {
                throw new ScriptSyntaxException(startLine, "%{ code block without its closing }%");
            }
            String code = text.substring(pos + 2, end);
            advanceTo(end + 2);
            return Token.of(Kind.CODE, trimSpacesAndTabs(code), startLine);
        }
        if (c == '`' || c == '"') {
            return quoted(c, startLine);
        }
        if (text.startsWith("...", pos)) {
            pos += 3;
            return Token.of(Kind.ELLIPSIS, "...", startLine);
        }
        if (c == '-' && peek(1) == '-' && isWordChar(peek(2))) {
            pos += 2;
            while (pos < text.length() && isWordChar(text.charAt(pos))) {
                pos++;
            }
            return Token.of(Kind.OPTION, text.substring(start + 2, pos), startLine);
        }
        Token number = numberOrWord(startLine);
        if (number != null) {
            return number;
        }
        pos++;
        return Token.of(Kind.PUNCT, String.valueOf(c), startLine);
    }

    /** The longest of: IPv4 address, float, integer, hex integer, word (ties in that order, as flex). */
    private Token numberOrWord(int startLine) {
        int ipv4 = ipv4Length();
        int floating = floatLength();
        int integer = integerLength();
        int hex = hexLength();
        int word = wordLength();
        int best = Math.max(Math.max(ipv4, floating), Math.max(Math.max(integer, hex), word));
        if (best == 0) {
            return null;
        }
        String s = text.substring(pos, pos + best);
        pos += best;
        if (best == ipv4) {
            return Token.of(Kind.IPV4_ADDRESS, s, startLine);
        }
        if (best == floating) {
            return new Token(Kind.FLOAT, s, startLine, 0, Double.parseDouble(s));
        }
        if (best == integer) {
            return new Token(Kind.INTEGER, s, startLine, parseLong(s, 10, startLine), 0);
        }
        if (best == hex) {
            return new Token(Kind.HEX_INTEGER, s, startLine, parseLong(s.substring(2), 16, startLine), 0);
        }
        return Token.of(Kind.WORD, s, startLine);
    }

    private static long parseLong(String s, int radix, int line) {
        try {
            return Long.parseLong(s, radix);
        } catch (NumberFormatException e) {
            throw new ScriptSyntaxException(line, "number out of range: " + s);
        }
    }

    private int ipv4Length() {
        int i = pos;
        for (int part = 0; part < 4; part++) {
            int digits = 0;
            while (i < text.length() && Character.isDigit(text.charAt(i))) {
                i++;
                digits++;
            }
            if (digits == 0) {
                return 0;
            }
            if (part < 3) {
                if (i >= text.length() || text.charAt(i) != '.') {
                    return 0;
                }
                i++;
            }
        }
        return i - pos;
    }

    private int floatLength() {
        int i = pos;
        if (i < text.length() && text.charAt(i) == '-') {
            i++;
        }
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            i++;
        }
        if (i >= text.length() || text.charAt(i) != '.') {
            return 0;
        }
        i++;
        int fraction = i;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            i++;
        }
        return i > fraction ? i - pos : 0;
    }

    private int integerLength() {
        int i = pos;
        if (i < text.length() && text.charAt(i) == '-') {
            i++;
        }
        int digits = i;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            i++;
        }
        return i > digits ? i - pos : 0;
    }

    private int hexLength() {
        if (!text.startsWith("0x", pos)) {
            return 0;
        }
        int i = pos + 2;
        while (i < text.length() && Character.digit(text.charAt(i), 16) >= 0) {
            i++;
        }
        return i > pos + 2 ? i - pos : 0;
    }

    private int wordLength() {
        int i = pos;
        while (i < text.length() && isWordChar(text.charAt(i))) {
            i++;
        }
        return i - pos;
    }

    private static boolean isWordChar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '_');
    }

    private Token quoted(char quote, int startLine) {
        StringBuilder sb = new StringBuilder();
        int i = pos + 1;
        while (i < text.length() && text.charAt(i) != quote) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                sb.append(c).append(text.charAt(i + 1));
                i += 2;
                continue;
            }
            sb.append(c);
            i++;
        }
        if (i >= text.length()) {
            throw new ScriptSyntaxException(startLine, "unterminated " + (quote == '`' ? "backquoted command" : "string"));
        }
        advanceTo(i + 1);
        return Token.of(quote == '`' ? Kind.BACKQUOTED : Kind.STRING, sb.toString(), startLine);
    }

    private void skipSpaceAndComments() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
            } else if (c == '/' && peek(1) == '/') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == '/' && peek(1) == '*') {
                int end = text.indexOf("*/", pos + 2);
                if (end < 0) {
                    throw new ScriptSyntaxException(line, "/* comment without its closing */");
                }
                advanceTo(end + 2);
            } else {
                return;
            }
        }
    }

    /** Moves to {@code end}, counting the newlines passed. */
    private void advanceTo(int end) {
        for (int i = pos; i < end; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        pos = end;
    }

    private char peek(int ahead) {
        int i = pos + ahead;
        return i < text.length() ? text.charAt(i) : '\0';
    }

    private static String trimSpacesAndTabs(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
            a++;
        }
        while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) {
            b--;
        }
        return s.substring(a, b);
    }
}
