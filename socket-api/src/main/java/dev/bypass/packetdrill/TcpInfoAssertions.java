package dev.bypass.packetdrill;

import dev.bypass.stack.TcpInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code %{ ... }%} block that only asserts on {@code tcpi_*} fields, checked against bypass's
 * {@link TcpInfo} instead of running Python. Statements are {@code assert expr[, message]} (and
 * {@code pass}), separated by newlines or {@code ;}, with {@code #} comments; expressions are
 * {@link PythonExpression}s over {@code tcpi_*} names and the constants packetdrill defines
 * ({@code TCP_CA_Recovery}, {@code TCP_ESTABLISHED}, {@code TCPI_OPT_SACK}, ...).
 *
 * <p>Anything else (print, import, assignments, functions, a field bypass lacks) is not guessed at:
 * {@link #parse} throws {@link Unsupported} naming it, and the script is skipped.
 */
final class TcpInfoAssertions {
    /** Why a block cannot be evaluated without Python. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message);
        }
    }

    /** A failed assertion; the message says which and with what values. */
    static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message);
        }
    }

    private static final Map<String, Long> CONSTANTS = Map.ofEntries(
        Map.entry("TCP_ESTABLISHED", 1L), Map.entry("TCP_SYN_SENT", 2L), Map.entry("TCP_SYN_RECV", 3L),
        Map.entry("TCP_FIN_WAIT1", 4L), Map.entry("TCP_FIN_WAIT2", 5L), Map.entry("TCP_TIME_WAIT", 6L),
        Map.entry("TCP_CLOSE", 7L), Map.entry("TCP_CLOSE_WAIT", 8L), Map.entry("TCP_LAST_ACK", 9L),
        Map.entry("TCP_LISTEN", 10L), Map.entry("TCP_CLOSING", 11L),
        Map.entry("TCP_CA_Open", 0L), Map.entry("TCP_CA_Disorder", 1L), Map.entry("TCP_CA_CWR", 2L),
        Map.entry("TCP_CA_Recovery", 3L), Map.entry("TCP_CA_Loss", 4L),
        Map.entry("TCPI_OPT_TIMESTAMPS", 1L), Map.entry("TCPI_OPT_SACK", 2L), Map.entry("TCPI_OPT_WSCALE", 4L),
        Map.entry("TCPI_OPT_ECN", 8L), Map.entry("TCPI_OPT_ECN_SEEN", 16L), Map.entry("TCPI_OPT_SYN_DATA", 32L),
        Map.entry("TCPI_OPT_USEC_TS", 64L), Map.entry("TCPI_OPT_TFO_CHILD", 128L));

    private record Assertion(String text, PythonExpression.Node condition, PythonExpression.Node message) {
    }

    private final List<Assertion> assertions;

    private TcpInfoAssertions(List<Assertion> assertions) {
        this.assertions = assertions;
    }

    /** Parses a block; throws {@link Unsupported} if it does anything but assert on known fields. */
    static TcpInfoAssertions parse(String code) {
        List<Assertion> out = new ArrayList<>();
        for (String statement : statements(code)) {
            if (statement.equals("pass")) {
                continue;
            }
            if (!statement.startsWith("assert ") && !statement.startsWith("assert(")) {
                throw new Unsupported(describe(statement));
            }
            List<String> parts = splitTopLevel(statement.substring("assert".length()), ',');
            if (parts.size() > 2) {
                throw new Unsupported("assert with a tuple: `" + statement + "`");
            }
            PythonExpression.Node condition;
            PythonExpression.Node message;
            try {
                condition = PythonExpression.parse(parts.get(0));
                message = parts.size() == 2 ? PythonExpression.parse(parts.get(1)) : null;
            } catch (PythonExpression.Unsupported e) {
                throw new Unsupported("python outside the assert subset: " + e.getMessage());
            }
            List<String> names = new ArrayList<>();
            PythonExpression.names(condition, names);
            if (message != null) {
                PythonExpression.names(message, names);
            }
            for (String name : names) {
                checkName(name);
            }
            out.add(new Assertion(parts.get(0).trim(), condition, message));
        }
        return new TcpInfoAssertions(List.copyOf(out));
    }

    /** Checks every assertion against a snapshot; throws {@link Failed} at the first that does not hold. */
    void check(TcpInfo info) {
        for (Assertion a : assertions) {
            Map<String, Object> seen = new LinkedHashMap<>();
            Object result;
            try {
                result = a.condition().eval(name -> lookup(name, info, seen));
            } catch (PythonExpression.EvalException e) {
                throw new Failed("error evaluating `" + a.text() + "`: " + e.getMessage());
            }
            if (!PythonExpression.truthy(result)) {
                StringBuilder sb = new StringBuilder("assertion failed: `").append(a.text()).append('`');
                if (a.message() != null) {
                    try {
                        sb.append(": AssertionError: ").append(PythonExpression.str(
                            a.message().eval(name -> lookup(name, info, new LinkedHashMap<>()))));
                    } catch (PythonExpression.EvalException e) {
                        sb.append(" (message failed: ").append(e.getMessage()).append(')');
                    }
                }
                if (!seen.isEmpty()) {
                    sb.append(" [");
                    seen.forEach((k, v) -> sb.append(sb.charAt(sb.length() - 1) == '[' ? "" : ", ").append(k)
                        .append('=').append(PythonExpression.str(v)));
                    sb.append(']');
                }
                throw new Failed(sb.toString());
            }
        }
    }

    int size() {
        return assertions.size();
    }

    private static Object lookup(String name, TcpInfo info, Map<String, Object> seen) {
        Long constant = CONSTANTS.get(name);
        if (constant != null) {
            return constant;
        }
        long v = info.field(name);
        seen.put(name, v);
        return v;
    }

    private static void checkName(String name) {
        if (CONSTANTS.containsKey(name)) {
            return;
        }
        if (!name.startsWith("tcpi_")) {
            throw new Unsupported("python variable or name `" + name + "`");
        }
        try {
            new TcpInfo().field(name);
        } catch (IllegalArgumentException e) {
            throw new Unsupported("tcp_info field " + name + " not in bypass's TcpInfo");
        } catch (RuntimeException e) {
            // A field that exists but reads an unset value on an empty snapshot: fine.
        }
    }

    private static String describe(String statement) {
        String s = statement.trim();
        if (s.startsWith("print")) {
            return "python print: `" + s + "`";
        }
        if (s.startsWith("import ") || s.startsWith("from ")) {
            return "python import: `" + s + "`";
        }
        if (s.startsWith("def ") || s.startsWith("class ") || s.startsWith("lambda")) {
            return "python function definition: `" + s + "`";
        }
        if (s.matches("(?s)[A-Za-z_][A-Za-z_0-9]*\\s*([-+*/%]|//)?=[^=].*")) {
            return "python variable assignment: `" + s + "`";
        }
        return "python statement: `" + s + "`";
    }

    /** Statements: lines and {@code ;}-separated parts, comments dropped, blank ones skipped. */
    static List<String> statements(String code) {
        List<String> out = new ArrayList<>();
        for (String line : code.split("\n")) {
            String noComment = stripComment(line);
            for (String part : splitTopLevel(noComment, ';')) {
                String s = part.trim();
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    private static String stripComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '#') {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** Splits at {@code separator} outside parentheses and quotes. */
    private static List<String> splitTopLevel(String s, char separator) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        char quote = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            } else if (c == separator && depth == 0) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }
}
