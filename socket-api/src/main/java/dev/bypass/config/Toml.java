package dev.bypass.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The part of TOML (v1.0.0, toml.io) a bypass configuration uses, read by hand so the format costs no
 * dependency: every file this parser accepts is valid TOML and means the same to any TOML parser.
 *
 * <ul>
 *   <li>tables {@code [stack]} and dotted tables {@code [resource.r0]}; bare keys ({@code A-Za-z0-9_-});</li>
 *   <li>{@code key = value} with a basic string {@code "..."} (escapes {@code \" \\ \t \n \r \\uXXXX}), a
 *       literal string {@code '...'}, a decimal integer (with {@code _} between digits), {@code true} or
 *       {@code false}, or an array of those on one or several lines (comments and a trailing comma
 *       allowed);</li>
 *   <li>comments from {@code #} to the end of the line.</li>
 * </ul>
 *
 * Not in the subset, and reported as such with the line: floats, dates, inline tables, arrays of tables,
 * dotted or quoted keys, multi-line strings. A key defined twice in one table, or a table defined twice, is
 * an error, as in TOML.
 */
public final class Toml {
    private Toml() {
    }

    /** A value as written. */
    public sealed interface Value permits Str, Int, Bool, Arr {
        /** The value as TOML would write it. */
        String toToml();

        /** The value as a user wrote it, for messages: a string without its quotes. */
        String text();
    }

    public record Str(String value) implements Value {
        @Override
        public String toToml() {
            return quote(value);
        }

        @Override
        public String text() {
            return value;
        }
    }

    public record Int(long value) implements Value {
        @Override
        public String toToml() {
            return Long.toString(value);
        }

        @Override
        public String text() {
            return Long.toString(value);
        }
    }

    public record Bool(boolean value) implements Value {
        @Override
        public String toToml() {
            return Boolean.toString(value);
        }

        @Override
        public String text() {
            return Boolean.toString(value);
        }
    }

    public record Arr(List<Value> values) implements Value {
        public Arr {
            values = List.copyOf(values);
        }

        @Override
        public String toToml() {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < values.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(values.get(i).toToml());
            }
            return sb.append(']').toString();
        }

        @Override
        public String text() {
            return toToml();
        }
    }

    /**
     * One {@code key = value} line.
     *
     * @param table the table it is in, "" before the first header ({@code resource.r0})
     * @param line  1-based line of the key
     */
    public record Entry(String table, String key, Value value, int line) {
    }

    /** A line the subset does not accept. */
    public static final class SyntaxException extends Exception {
        private final int line;
        private final String detail;

        SyntaxException(int line, String detail) {
            super("line " + line + ": " + detail);
            this.line = line;
            this.detail = detail;
        }

        public int line() {
            return line;
        }

        public String detail() {
            return detail;
        }
    }

    /** TOML's basic string form of {@code s}. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        sb.append(String.format("\\u%04X", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Parses a whole document. */
    public static List<Entry> parse(String text) throws SyntaxException {
        return new Parser(text).document();
    }

    /** Parses one value (for {@code --set key=value}); the whole text must be the value. */
    public static Value parseValue(String text) throws SyntaxException {
        Parser p = new Parser(text);
        p.skipBlanks();
        Value v = p.value();
        p.skipBlanks();
        if (!p.atEnd()) {
            throw p.error("unexpected '" + p.peek() + "' after the value");
        }
        return v;
    }

    private static final class Parser {
        private final String s;
        private int pos;
        private int line = 1;

        Parser(String s) {
            this.s = s.startsWith("\uFEFF") ? s.substring(1) : s;
        }

        List<Entry> document() throws SyntaxException {
            List<Entry> entries = new ArrayList<>();
            Set<String> tables = new HashSet<>();
            Set<String> keys = new HashSet<>();
            String table = "";
            while (true) {
                skipBlanks();
                if (atEnd()) {
                    return entries;
                }
                char c = peek();
                if (c == '#') {
                    skipComment();
                } else if (c == '\n' || c == '\r') {
                    newline();
                } else if (c == '[') {
                    int at = line;
                    table = header();
                    // A header also defines its parents implicitly: [resource.r0] after a key in [resource]
                    // is fine in TOML; defining the same table twice is not.
                    if (!tables.add(table)) {
                        throw new SyntaxException(at, "table [" + table + "] defined twice");
                    }
                    if (keys.contains(table)) {
                        throw new SyntaxException(at, "[" + table + "] names a key already set to a value");
                    }
                    endOfLine();
                } else {
                    int at = line;
                    String key = bareKey();
                    skipBlanks();
                    if (!atEnd() && peek() == '.') {
                        throw error("dotted keys are not in bypass's TOML subset: write [" + (table.isEmpty() ? "" : table + ".")
                            + key + "] and the key under it");
                    }
                    expect('=', "'=' after key '" + key + "'");
                    skipBlanks();
                    Value v = value();
                    String full = table.isEmpty() ? key : table + "." + key;
                    if (!keys.add(full)) {
                        throw new SyntaxException(at, "key '" + key + "' defined twice in " + (table.isEmpty() ? "the top level"
                            : "[" + table + "]"));
                    }
                    if (tables.contains(full)) {
                        throw new SyntaxException(at, "key '" + key + "' is also a table [" + full + "]");
                    }
                    entries.add(new Entry(table, key, v, at));
                    endOfLine();
                }
            }
        }

        private String header() throws SyntaxException {
            pos++; // '['
            if (!atEnd() && peek() == '[') {
                throw error("arrays of tables ([[...]]) are not in bypass's TOML subset");
            }
            StringBuilder name = new StringBuilder();
            while (true) {
                skipBlanks();
                name.append(bareKey());
                skipBlanks();
                if (atEnd()) {
                    throw error("']' missing at the end of the table header");
                }
                char c = peek();
                if (c == ']') {
                    pos++;
                    return name.toString();
                }
                if (c != '.') {
                    throw error("unexpected '" + c + "' in a table header");
                }
                pos++;
                name.append('.');
            }
        }

        private String bareKey() throws SyntaxException {
            int start = pos;
            while (!atEnd() && isBareKeyChar(peek())) {
                pos++;
            }
            if (start == pos) {
                if (!atEnd() && (peek() == '"' || peek() == '\'')) {
                    throw error("quoted keys are not in bypass's TOML subset: keys are A-Z a-z 0-9 _ -");
                }
                throw error(atEnd() || peek() == '\n' ? "a key is missing" : "'" + peek() + "' cannot start a key (keys are A-Z a-z 0-9 _ -)");
            }
            return s.substring(start, pos);
        }

        private static boolean isBareKeyChar(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        }

        Value value() throws SyntaxException {
            if (atEnd()) {
                throw error("a value is missing");
            }
            char c = peek();
            if (c == '"') {
                if (s.startsWith("\"\"\"", pos)) {
                    throw error("multi-line strings are not in bypass's TOML subset");
                }
                return new Str(basicString());
            }
            if (c == '\'') {
                if (s.startsWith("'''", pos)) {
                    throw error("multi-line strings are not in bypass's TOML subset");
                }
                return new Str(literalString());
            }
            if (c == '[') {
                return array();
            }
            if (c == '{') {
                throw error("inline tables are not in bypass's TOML subset: use a [table]");
            }
            int start = pos;
            while (!atEnd() && " \t\r\n#,]".indexOf(peek()) < 0) {
                pos++;
            }
            String word = s.substring(start, pos);
            if (word.equals("true") || word.equals("false")) {
                return new Bool(word.equals("true"));
            }
            if (word.matches("[+-]?(0|[1-9](_?[0-9])*)")) {
                try {
                    return new Int(Long.parseLong(word.replace("_", "")));
                } catch (NumberFormatException e) {
                    throw error("integer " + word + " is out of range");
                }
            }
            if (word.matches("[+-]?[0-9_]+([.eE].*)?|[+-]?(inf|nan)") ) {
                throw error("'" + word + "' is not an integer in TOML (no leading zeros); floats are not in bypass's "
                    + "TOML subset");
            }
            if (word.matches("\\d{4}-\\d{2}-\\d{2}.*")) {
                throw error("dates are not in bypass's TOML subset");
            }
            throw error(word.isEmpty() ? "a value is missing" : "'" + word + "' is not a TOML value: strings need quotes (\""
                + word + "\")");
        }

        private Arr array() throws SyntaxException {
            pos++; // '['
            List<Value> values = new ArrayList<>();
            while (true) {
                skipBlanksCommentsAndNewlines();
                if (atEnd()) {
                    throw error("']' missing at the end of the array");
                }
                if (peek() == ']') {
                    pos++;
                    return new Arr(values);
                }
                values.add(value());
                skipBlanksCommentsAndNewlines();
                if (atEnd()) {
                    throw error("']' missing at the end of the array");
                }
                char c = peek();
                if (c == ',') {
                    pos++;
                } else if (c != ']') {
                    throw error("',' or ']' expected in the array, found '" + c + "'");
                }
            }
        }

        private String basicString() throws SyntaxException {
            pos++; // '"'
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (atEnd() || peek() == '\n') {
                    throw error("string not closed on its line (a '\"' is missing)");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c == '\\') {
                    if (atEnd()) {
                        throw error("string not closed");
                    }
                    char e = s.charAt(pos++);
                    switch (e) {
                        case '"' -> sb.append('"');
                        case '\\' -> sb.append('\\');
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        case 'r' -> sb.append('\r');
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'u' -> sb.append(unicode(4));
                        case 'U' -> sb.append(unicode(8));
                        default -> throw error("unknown escape '\\" + e + "' in a string (for a backslash write \\\\, "
                            + "or use a 'literal string')");
                    }
                } else if (c < 0x20 && c != '\t') {
                    throw error("control character in a string");
                } else {
                    sb.append(c);
                }
            }
        }

        private String unicode(int digits) throws SyntaxException {
            if (pos + digits > s.length()) {
                throw error("\\u escape needs " + digits + " hex digits");
            }
            String hex = s.substring(pos, pos + digits);
            try {
                int cp = Integer.parseInt(hex, 16);
                pos += digits;
                return new String(Character.toChars(cp));
            } catch (IllegalArgumentException e) {
                throw error("bad unicode escape \\u" + hex);
            }
        }

        private String literalString() throws SyntaxException {
            pos++; // '\''
            int start = pos;
            while (!atEnd() && peek() != '\'' && peek() != '\n') {
                pos++;
            }
            if (atEnd() || peek() == '\n') {
                throw error("literal string not closed on its line (a ' is missing)");
            }
            String v = s.substring(start, pos);
            pos++;
            return v;
        }

        private void endOfLine() throws SyntaxException {
            skipBlanks();
            if (atEnd()) {
                return;
            }
            char c = peek();
            if (c == '#') {
                skipComment();
                return;
            }
            if (c == '\n' || c == '\r') {
                newline();
                return;
            }
            throw error("unexpected '" + c + "' after the value (one key = value per line)");
        }

        void skipBlanks() {
            while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
                pos++;
            }
        }

        private void skipBlanksCommentsAndNewlines() throws SyntaxException {
            while (!atEnd()) {
                char c = peek();
                if (c == ' ' || c == '\t') {
                    pos++;
                } else if (c == '#') {
                    skipComment();
                } else if (c == '\n' || c == '\r') {
                    newline();
                } else {
                    return;
                }
            }
        }

        private void skipComment() {
            while (!atEnd() && peek() != '\n') {
                pos++;
            }
        }

        private void newline() throws SyntaxException {
            if (peek() == '\r') {
                pos++;
                if (atEnd() || peek() != '\n') {
                    throw error("a carriage return must be followed by a line feed");
                }
            }
            pos++;
            line++;
        }

        private void expect(char c, String what) throws SyntaxException {
            if (atEnd() || peek() != c) {
                throw error(what + " expected" + (atEnd() ? "" : ", found '" + peek() + "'"));
            }
            pos++;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        char peek() {
            return s.charAt(pos);
        }

        SyntaxException error(String detail) {
            return new SyntaxException(line, detail);
        }
    }
}
