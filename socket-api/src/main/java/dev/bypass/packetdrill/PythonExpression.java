package dev.bypass.packetdrill;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * The Python expressions packetdrill's {@code %{ }%} blocks use in assertions, parsed and evaluated
 * without Python: integers (decimal and hex), floats, strings, tuples, names, {@code + - * / // % **},
 * bitwise {@code | ^ & << >> ~} (for flag fields such as {@code tcpi_options}), comparisons (chained, as
 * Python chains them), {@code and or not}, parentheses, {@code True}/{@code False},
 * {@code abs min max int}, and {@code 'fmt' % values} for assertion messages. Values follow Python's
 * rules: {@code /} is true division, {@code //} and {@code %} floor, {@code True == 1}.
 */
final class PythonExpression {
    /** An evaluation failure of a well-formed expression (a division by zero, a bad operand). */
    static final class EvalException extends RuntimeException {
        EvalException(String message) {
            super(message);
        }
    }

    /** A parse failure: the text is not in the supported subset. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message);
        }
    }

    private static final Set<String> FUNCTIONS = Set.of("abs", "min", "max", "int");

    /** A parsed expression. */
    sealed interface Node {
        Object eval(Function<String, Object> names);
    }

    record Literal(Object value) implements Node {
        public Object eval(Function<String, Object> names) {
            return value;
        }
    }

    record Name(String name) implements Node {
        public Object eval(Function<String, Object> names) {
            return names.apply(name);
        }
    }

    record Tuple(List<Node> items) implements Node {
        public Object eval(Function<String, Object> names) {
            List<Object> values = new ArrayList<>();
            for (Node n : items) {
                values.add(n.eval(names));
            }
            return values;
        }
    }

    record Unary(String op, Node operand) implements Node {
        public Object eval(Function<String, Object> names) {
            Object v = operand.eval(names);
            return switch (op) {
                case "not" -> !truthy(v);
                case "-" -> v instanceof Double d ? (Object) (-d) : (Object) (-integer(v));
                case "~" -> ~integer(v);
                default -> number(v);
            };
        }
    }

    record Binary(String op, Node left, Node right) implements Node {
        public Object eval(Function<String, Object> names) {
            if (op.equals("and")) {
                Object l = left.eval(names);
                return truthy(l) ? right.eval(names) : l;
            }
            if (op.equals("or")) {
                Object l = left.eval(names);
                return truthy(l) ? l : right.eval(names);
            }
            return arithmetic(op, left.eval(names), right.eval(names));
        }
    }

    /** {@code a < b <= c}: each pair compared, as Python chains comparisons. */
    record Comparison(List<Node> operands, List<String> ops) implements Node {
        public Object eval(Function<String, Object> names) {
            Object left = operands.get(0).eval(names);
            for (int i = 0; i < ops.size(); i++) {
                Object right = operands.get(i + 1).eval(names);
                if (!compare(ops.get(i), left, right)) {
                    return false;
                }
                left = right;
            }
            return true;
        }
    }

    record Call(String function, List<Node> args) implements Node {
        public Object eval(Function<String, Object> names) {
            List<Object> values = new ArrayList<>();
            for (Node n : args) {
                values.add(n.eval(names));
            }
            return switch (function) {
                case "abs" -> {
                    Object v = values.get(0);
                    yield v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(integer(v));
                }
                case "int" -> values.get(0) instanceof Double d ? (long) (double) d : integer(values.get(0));
                default -> {
                    Object best = values.get(0);
                    for (Object v : values.subList(1, values.size())) {
                        boolean less = compare("<", v, best);
                        if (function.equals("min") == less) {
                            best = v;
                        }
                    }
                    yield best;
                }
            };
        }
    }

    private PythonExpression() {
    }

    /** Parses one expression; throws {@link Unsupported} naming what is outside the subset. */
    static Node parse(String text) {
        Parser p = new Parser(tokenize(text));
        Node n = p.expression();
        if (!p.atEnd()) {
            throw new Unsupported("unexpected '" + p.peek() + "' in `" + text.trim() + "`");
        }
        return n;
    }

    /** Every name an expression reads. */
    static void names(Node node, List<String> out) {
        switch (node) {
            case Name n -> out.add(n.name());
            case Tuple t -> t.items().forEach(i -> names(i, out));
            case Unary u -> names(u.operand(), out);
            case Binary b -> {
                names(b.left(), out);
                names(b.right(), out);
            }
            case Comparison c -> c.operands().forEach(o -> names(o, out));
            case Call c -> c.args().forEach(a -> names(a, out));
            case Literal l -> {
            }
        }
    }

    static boolean truthy(Object v) {
        return switch (v) {
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0;
            case String s -> !s.isEmpty();
            case List<?> l -> !l.isEmpty();
            default -> v != null;
        };
    }

    /** Python's str() of a value. */
    static String str(Object v) {
        return switch (v) {
            case Boolean b -> b ? "True" : "False";
            case Double d -> d == Math.rint(d) && !Double.isInfinite(d) ? String.format(Locale.ROOT, "%.1f", d)
                : Double.toString(d);
            case List<?> l -> {
                StringBuilder sb = new StringBuilder("(");
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i > 0 ? ", " : "").append(l.get(i) instanceof String s ? "'" + s + "'" : str(l.get(i)));
                }
                yield sb.append(l.size() == 1 ? ",)" : ")").toString();
            }
            default -> String.valueOf(v);
        };
    }

    // ---------------------------------------------------------------------------------------- values

    private static Object number(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        if (v instanceof Long || v instanceof Double) {
            return v;
        }
        throw new EvalException("not a number: " + str(v));
    }

    private static long integer(Object v) {
        Object n = number(v);
        if (n instanceof Long l) {
            return l;
        }
        throw new EvalException("not an integer: " + str(v));
    }

    private static double real(Object v) {
        Object n = number(v);
        return n instanceof Long l ? l : (Double) n;
    }

    private static Object arithmetic(String op, Object a, Object b) {
        if (op.equals("%") && a instanceof String format) {
            return format(format, b instanceof List<?> l ? l : List.of(b));
        }
        switch (op) {
            case "|":
                return integer(a) | integer(b);
            case "^":
                return integer(a) ^ integer(b);
            case "&":
                return integer(a) & integer(b);
            case "<<":
                return integer(a) << integer(b);
            case ">>":
                return integer(a) >> integer(b);
            default:
                break;
        }
        Object x = number(a);
        Object y = number(b);
        boolean ints = x instanceof Long && y instanceof Long;
        switch (op) {
            case "+":
                return ints ? (Object) ((Long) x + (Long) y) : (Object) (real(x) + real(y));
            case "-":
                return ints ? (Object) ((Long) x - (Long) y) : (Object) (real(x) - real(y));
            case "*":
                return ints ? (Object) ((Long) x * (Long) y) : (Object) (real(x) * real(y));
            case "/":
                if (real(y) == 0) {
                    throw new EvalException("division by zero");
                }
                return real(x) / real(y);
            case "//":
                if (real(y) == 0) {
                    throw new EvalException("integer division or modulo by zero");
                }
                return ints ? (Object) Math.floorDiv((Long) x, (Long) y) : (Object) Math.floor(real(x) / real(y));
            case "%":
                if (real(y) == 0) {
                    throw new EvalException("integer division or modulo by zero");
                }
                if (ints) {
                    return Math.floorMod((Long) x, (Long) y);
                }
                double m = real(x) % real(y);
                return m != 0 && (m < 0) != (real(y) < 0) ? m + real(y) : m;
            case "**":
                if (ints && (Long) y >= 0) {
                    long r = 1;
                    for (long i = 0; i < (Long) y; i++) {
                        r *= (Long) x;
                    }
                    return r;
                }
                return Math.pow(real(x), real(y));
            default:
                throw new EvalException("unknown operator " + op);
        }
    }

    private static boolean compare(String op, Object a, Object b) {
        if (op.equals("==") || op.equals("!=")) {
            boolean eq;
            if ((a instanceof String || b instanceof String) || (a instanceof List || b instanceof List)) {
                eq = a.equals(b);
            } else {
                Object x = number(a);
                Object y = number(b);
                eq = x instanceof Long && y instanceof Long ? x.equals(y) : real(x) == real(y);
            }
            return op.equals("==") == eq;
        }
        int c;
        if (a instanceof String s && b instanceof String t) {
            c = s.compareTo(t);
        } else {
            Object x = number(a);
            Object y = number(b);
            c = x instanceof Long l && y instanceof Long m ? Long.compare(l, m) : Double.compare(real(x), real(y));
        }
        return switch (op) {
            case "<" -> c < 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            default -> c >= 0;
        };
    }

    /** {@code 'cwnd=%d' % (x,)}: the conversions scripts use (%d %i %u %s %r %x %f %%). */
    private static String format(String format, List<?> values) {
        StringBuilder sb = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                sb.append(c);
                continue;
            }
            char conv = format.charAt(++i);
            if (conv == '%') {
                sb.append('%');
                continue;
            }
            if (next >= values.size()) {
                throw new EvalException("not enough arguments for format string");
            }
            Object v = values.get(next++);
            sb.append(switch (conv) {
                case 'd', 'i', 'u' -> Long.toString(v instanceof Double d ? (long) (double) d : integer(v));
                case 'x' -> Long.toHexString(integer(v));
                case 'f' -> String.format(Locale.ROOT, "%f", real(v));
                default -> str(v);
            });
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------ tokens

    private static List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (Character.isDigit(c)
                || (c == '.' && i + 1 < text.length() && Character.isDigit(text.charAt(i + 1)))) {
                int start = i;
                if (text.startsWith("0x", i) || text.startsWith("0X", i)) {
                    i += 2;
                    while (i < text.length() && Character.digit(text.charAt(i), 16) >= 0) {
                        i++;
                    }
                } else {
                    while (i < text.length() && (Character.isDigit(text.charAt(i)) || text.charAt(i) == '.'
                        || text.charAt(i) == '_')) {
                        i++;
                    }
                }
                tokens.add(text.substring(start, i));
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < text.length() && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
                    i++;
                }
                tokens.add(text.substring(start, i));
            } else if (c == '\'' || c == '"') {
                int end = text.indexOf(c, i + 1);
                if (end < 0) {
                    throw new Unsupported("unterminated string in `" + text.trim() + "`");
                }
                tokens.add(text.substring(i, end + 1));
                i = end + 1;
            } else {
                String two = i + 1 < text.length() ? text.substring(i, i + 2) : "";
                if (List.of("==", "!=", "<=", ">=", "//", "**", "<<", ">>").contains(two)) {
                    tokens.add(two);
                    i += 2;
                } else if ("+-*/%<>(),|^&~".indexOf(c) >= 0) {
                    tokens.add(String.valueOf(c));
                    i++;
                } else {
                    throw new Unsupported("'" + c + "' in `" + text.trim() + "`");
                }
            }
        }
        return tokens;
    }

    // ------------------------------------------------------------------------------------ grammar

    private static final class Parser {
        private final List<String> tokens;
        private int pos;

        Parser(List<String> tokens) {
            this.tokens = tokens;
        }

        boolean atEnd() {
            return pos >= tokens.size();
        }

        String peek() {
            return atEnd() ? "" : tokens.get(pos);
        }

        private boolean eat(String t) {
            if (peek().equals(t)) {
                pos++;
                return true;
            }
            return false;
        }

        /** A test, or a tuple of tests ({@code a, b}) where the caller allows it. */
        Node expression() {
            return orTest();
        }

        private Node orTest() {
            Node n = andTest();
            while (eat("or")) {
                n = new Binary("or", n, andTest());
            }
            return n;
        }

        private Node andTest() {
            Node n = notTest();
            while (eat("and")) {
                n = new Binary("and", n, notTest());
            }
            return n;
        }

        private Node notTest() {
            if (eat("not")) {
                return new Unary("not", notTest());
            }
            return comparison();
        }

        private Node comparison() {
            List<Node> operands = new ArrayList<>();
            List<String> ops = new ArrayList<>();
            operands.add(bitOr());
            while (List.of("==", "!=", "<", "<=", ">", ">=").contains(peek())) {
                ops.add(tokens.get(pos++));
                operands.add(bitOr());
            }
            if (peek().equals("is") || peek().equals("in")) {
                throw new Unsupported("'" + peek() + "' comparisons");
            }
            return ops.isEmpty() ? operands.get(0) : new Comparison(List.copyOf(operands), List.copyOf(ops));
        }

        private Node bitOr() {
            Node n = bitXor();
            while (eat("|")) {
                n = new Binary("|", n, bitXor());
            }
            return n;
        }

        private Node bitXor() {
            Node n = bitAnd();
            while (eat("^")) {
                n = new Binary("^", n, bitAnd());
            }
            return n;
        }

        private Node bitAnd() {
            Node n = shift();
            while (eat("&")) {
                n = new Binary("&", n, shift());
            }
            return n;
        }

        private Node shift() {
            Node n = sum();
            while (peek().equals("<<") || peek().equals(">>")) {
                n = new Binary(tokens.get(pos++), n, sum());
            }
            return n;
        }

        private Node sum() {
            Node n = product();
            while (peek().equals("+") || peek().equals("-")) {
                n = new Binary(tokens.get(pos++), n, product());
            }
            return n;
        }

        private Node product() {
            Node n = factor();
            while (List.of("*", "/", "//", "%").contains(peek())) {
                n = new Binary(tokens.get(pos++), n, factor());
            }
            return n;
        }

        private Node factor() {
            if (peek().equals("-") || peek().equals("+") || peek().equals("~")) {
                return new Unary(tokens.get(pos++), factor());
            }
            Node base = atom();
            if (eat("**")) {
                return new Binary("**", base, factor());
            }
            return base;
        }

        private Node atom() {
            if (atEnd()) {
                throw new Unsupported("expression ends too early");
            }
            String t = tokens.get(pos++);
            char c = t.charAt(0);
            if (t.equals("(")) {
                List<Node> items = new ArrayList<>();
                boolean tuple = false;
                if (!peek().equals(")")) {
                    items.add(expression());
                    while (eat(",")) {
                        tuple = true;
                        if (peek().equals(")")) {
                            break;
                        }
                        items.add(expression());
                    }
                }
                if (!eat(")")) {
                    throw new Unsupported("missing ')'");
                }
                return tuple || items.isEmpty() ? new Tuple(List.copyOf(items)) : items.get(0);
            }
            if (c == '\'' || c == '"') {
                return new Literal(t.substring(1, t.length() - 1));
            }
            if (Character.isDigit(c) || c == '.') {
                String s = t.replace("_", "");
                try {
                    if (s.startsWith("0x") || s.startsWith("0X")) {
                        return new Literal(Long.parseLong(s.substring(2), 16));
                    }
                    return new Literal(s.contains(".") ? (Object) Double.parseDouble(s) : (Object) Long.parseLong(s));
                } catch (NumberFormatException e) {
                    throw new Unsupported("number " + t);
                }
            }
            if (Character.isLetter(c) || c == '_') {
                if (t.equals("True") || t.equals("False")) {
                    return new Literal(t.equals("True"));
                }
                if (peek().equals("(")) {
                    if (!FUNCTIONS.contains(t)) {
                        throw new Unsupported("function " + t + "()");
                    }
                    pos++;
                    List<Node> args = new ArrayList<>();
                    if (!peek().equals(")")) {
                        args.add(expression());
                        while (eat(",")) {
                            args.add(expression());
                        }
                    }
                    if (!eat(")")) {
                        throw new Unsupported("missing ')' after the arguments of " + t);
                    }
                    int want = t.equals("abs") || t.equals("int") ? 1 : -1;
                    if ((want == 1 && args.size() != 1) || args.isEmpty()) {
                        throw new Unsupported(t + "() with " + args.size() + " arguments");
                    }
                    return new Call(t, List.copyOf(args));
                }
                if (peek().equals(".") || peek().equals("[")) {
                    throw new Unsupported("attribute or index access on " + t);
                }
                return new Name(t);
            }
            throw new Unsupported("'" + t + "'");
        }
    }
}
