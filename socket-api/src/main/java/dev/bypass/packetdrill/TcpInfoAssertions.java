package dev.bypass.packetdrill;

import dev.bypass.stack.TcpInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code %{ ... }%} block checked against bypass's {@link TcpInfo} instead of running Python. Statements,
 * separated by newlines or {@code ;}, with {@code #} comments:
 * <ul>
 *   <li>{@code assert expr[, message]} and {@code pass};
 *   <li>{@code name = expr} (and {@code name += expr}, ...): the name keeps its value for the later statements
 *       and blocks of the same script run, as packetdrill runs all of a script's blocks as one Python program;
 *   <li>{@code print(expr, ...)}: Python 3's print, to the run's trace.
 * </ul>
 * Expressions are {@link PythonExpression}s over {@code tcpi_*} fields (read when the block runs), the names
 * assigned before, and the constants packetdrill defines ({@code TCP_CA_Recovery}, {@code TCP_ESTABLISHED},
 * {@code TCPI_OPT_SACK}, ...).
 *
 * <p>Anything else (import, functions, tuple or chained assignments, assignments to {@code tcpi_*} fields,
 * print with keyword arguments, a name never assigned, a field bypass lacks) is not guessed at:
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

    /** One statement of a block. */
    private sealed interface Statement {
    }

    private record Assertion(String text, PythonExpression.Node condition, PythonExpression.Node message)
        implements Statement {
    }

    private record Assignment(String text, String name, PythonExpression.Node value) implements Statement {
    }

    private record Print(String text, List<PythonExpression.Node> args) implements Statement {
    }

    /** {@code name = value} or {@code name op= value}; group 2 is the operator of an augmented assignment. */
    private static final Pattern ASSIGNMENT =
        Pattern.compile("(?s)([A-Za-z_][A-Za-z_0-9]*)\\s*(\\*\\*|//|<<|>>|[-+*/%&|^])?=(?!=)(.*)");

    private static final Pattern PRINT = Pattern.compile("print\\s*\\(");

    private static final Set<String> KEYWORDS = Set.of("False", "None", "True", "and", "as", "assert", "async",
        "await", "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from",
        "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
        "while", "with", "yield", "print");

    private final List<Statement> statements;
    private final Set<String> assigned;

    private TcpInfoAssertions(List<Statement> statements, Set<String> assigned) {
        this.statements = statements;
        this.assigned = assigned;
    }

    /** Parses a block that may only use names it assigns itself; see {@link #parse(String, Set)}. */
    static TcpInfoAssertions parse(String code) {
        return parse(code, Set.of());
    }

    /**
     * Parses a block; {@code defined} are the names earlier blocks of the script assigned. Throws
     * {@link Unsupported} if a statement is outside the subset or reads a name nothing defines.
     */
    static TcpInfoAssertions parse(String code, Set<String> defined) {
        List<Statement> out = new ArrayList<>();
        Set<String> known = new HashSet<>(defined);
        Set<String> assigned = new LinkedHashSet<>();
        for (String statement : statements(code)) {
            if (statement.equals("pass")) {
                continue;
            }
            Statement parsed;
            List<String> names = new ArrayList<>();
            try {
                parsed = statement(statement);
            } catch (PythonExpression.Unsupported e) {
                throw new Unsupported("python outside the supported subset: " + e.getMessage());
            }
            switch (parsed) {
                case Assertion a -> {
                    PythonExpression.names(a.condition(), names);
                    if (a.message() != null) {
                        PythonExpression.names(a.message(), names);
                    }
                }
                case Assignment a -> PythonExpression.names(a.value(), names);
                case Print p -> p.args().forEach(arg -> PythonExpression.names(arg, names));
            }
            for (String name : names) {
                checkName(name, known);
            }
            if (parsed instanceof Assignment a) {
                known.add(a.name());
                assigned.add(a.name());
            }
            out.add(parsed);
        }
        return new TcpInfoAssertions(List.copyOf(out), java.util.Collections.unmodifiableSet(assigned));
    }

    private static Statement statement(String statement) {
        if (statement.startsWith("assert ") || statement.startsWith("assert(")) {
            List<String> parts = splitTopLevel(statement.substring("assert".length()), ',');
            if (parts.size() > 2) {
                throw new Unsupported("assert with a tuple: `" + statement + "`");
            }
            return new Assertion(parts.get(0).trim(), PythonExpression.parse(parts.get(0)),
                parts.size() == 2 ? PythonExpression.parse(parts.get(1)) : null);
        }
        Matcher print = PRINT.matcher(statement);
        if (print.lookingAt() && closingParenthesis(statement, print.end() - 1) == statement.length() - 1) {
            String inside = statement.substring(print.end(), statement.length() - 1);
            List<PythonExpression.Node> args = new ArrayList<>();
            if (!inside.isBlank()) {
                for (String arg : splitTopLevel(inside, ',')) {
                    if (ASSIGNMENT.matcher(arg.trim()).matches()) {
                        throw new Unsupported("python print with keyword arguments: `" + statement + "`");
                    }
                    args.add(PythonExpression.parse(arg));
                }
            }
            return new Print(statement, List.copyOf(args));
        }
        Matcher m = ASSIGNMENT.matcher(statement);
        if (m.matches()) {
            String name = m.group(1);
            if (hasLoneEquals(m.group(3))) {
                throw new Unsupported("python chained assignment: `" + statement + "` (only name = expression)");
            }
            if (KEYWORDS.contains(name)) {
                throw new Unsupported("python assignment to the reserved name `" + name + "`: `" + statement + "`");
            }
            if (name.startsWith("tcpi_")) {
                throw new Unsupported("python assignment to the tcp_info field " + name
                    + " (packetdrill sets the fields again before each block): `" + statement + "`");
            }
            PythonExpression.Node value = PythonExpression.parse(m.group(3));
            if (m.group(2) != null) {
                value = new PythonExpression.Binary(m.group(2), new PythonExpression.Name(name), value);
            }
            return new Assignment(statement, name, value);
        }
        throw new Unsupported(describe(statement));
    }

    /** True if {@code s} has an {@code =} outside quotes that is not part of {@code == != <= >=}. */
    private static boolean hasLoneEquals(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = closingQuote(s, i);
            } else if (c == '=') {
                boolean partOfComparison = (i + 1 < s.length() && s.charAt(i + 1) == '=')
                    || (i > 0 && "=!<>".indexOf(s.charAt(i - 1)) >= 0);
                if (!partOfComparison) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Index of the ')' closing the '(' at {@code open} (outside quotes), or -1. */
    private static int closingParenthesis(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = closingQuote(s, i);
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Runs the block with no earlier names and no print output; see {@link #run}. */
    void check(TcpInfo info) {
        run(info, new HashMap<>(), line -> {
        });
    }

    /**
     * Runs the statements in order against a snapshot: assignments store into {@code variables} (the
     * script run's names, read by later blocks), print lines go to {@code print}. Throws {@link Failed} at
     * the first assertion that does not hold, or at an expression that cannot be evaluated.
     */
    void run(TcpInfo info, Map<String, Object> variables, Consumer<String> print) {
        for (Statement s : statements) {
            switch (s) {
                case Assertion a -> check(a, info, variables);
                case Assignment a -> variables.put(a.name(), eval(a.text(), a.value(), info, variables,
                    new LinkedHashMap<>()));
                case Print p -> {
                    StringBuilder line = new StringBuilder();
                    for (PythonExpression.Node arg : p.args()) {
                        Object v = eval(p.text(), arg, info, variables, new LinkedHashMap<>());
                        line.append(line.isEmpty() ? "" : " ").append(PythonExpression.str(v));
                    }
                    print.accept(line.toString());
                }
            }
        }
    }

    private static Object eval(String text, PythonExpression.Node node, TcpInfo info, Map<String, Object> variables,
                               Map<String, Object> seen) {
        try {
            return node.eval(name -> lookup(name, info, variables, seen));
        } catch (PythonExpression.EvalException e) {
            throw new Failed("error evaluating `" + text + "`: " + e.getMessage());
        }
    }

    private static void check(Assertion a, TcpInfo info, Map<String, Object> variables) {
        Map<String, Object> seen = new LinkedHashMap<>();
        Object result = eval(a.text(), a.condition(), info, variables, seen);
        if (PythonExpression.truthy(result)) {
            return;
        }
        StringBuilder sb = new StringBuilder("assertion failed: `").append(a.text()).append('`');
        if (a.message() != null) {
            try {
                sb.append(": AssertionError: ").append(PythonExpression.str(
                    a.message().eval(name -> lookup(name, info, variables, new LinkedHashMap<>()))));
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

    /** Statements in the block (pass excluded). */
    int size() {
        return statements.size();
    }

    /** The names this block assigns, which later blocks of the script may read. */
    Set<String> assigned() {
        return assigned;
    }

    /** A variable (assigned earlier), a packetdrill constant, or a tcp_info field; all but constants are shown. */
    private static Object lookup(String name, TcpInfo info, Map<String, Object> variables, Map<String, Object> seen) {
        if (variables.containsKey(name)) {
            Object v = variables.get(name);
            seen.put(name, v);
            return v;
        }
        Long constant = CONSTANTS.get(name);
        if (constant != null) {
            return constant;
        }
        long v = info.field(name);
        seen.put(name, v);
        return v;
    }

    private static void checkName(String name, Set<String> known) {
        if (known.contains(name) || CONSTANTS.containsKey(name)) {
            return;
        }
        if (!name.startsWith("tcpi_")) {
            throw new Unsupported("python variable or name `" + name + "` (never assigned before it is read)");
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
            return "python print: `" + s + "` (only print(...) with positional arguments is supported)";
        }
        if (s.startsWith("import ") || s.startsWith("from ")) {
            return "python import: `" + s + "`";
        }
        if (s.startsWith("def ") || s.startsWith("class ") || s.startsWith("lambda")) {
            return "python function definition: `" + s + "`";
        }
        if (hasLoneEquals(s)) {
            return "python assignment to something other than a name: `" + s + "`";
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
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' || c == '"') {
                i = closingQuote(line, i);
            } else if (c == '#') {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** Index of the quote closing the one at {@code open} (Python strings, no escapes here), or the last index. */
    private static int closingQuote(String s, int open) {
        int close = s.indexOf(s.charAt(open), open + 1);
        return close < 0 ? s.length() - 1 : close;
    }

    /** Splits at {@code separator} outside parentheses and quotes. */
    private static List<String> splitTopLevel(String s, char separator) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = closingQuote(s, i);
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
