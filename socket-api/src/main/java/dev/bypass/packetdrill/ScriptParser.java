package dev.bypass.packetdrill;

import dev.bypass.packetdrill.Token.Kind;
import dev.bypass.stack.wire.TcpHeader;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a packetdrill script into a {@link Script}, following packetdrill's grammar ({@code parser.y}):
 *
 * <pre>
 * script   := option* [`init command`] event* [`cleanup command`]
 * option   := --name[=value]
 * event    := time action
 * time     := [+]seconds | [+]seconds~[+]seconds | *
 * action   := (&lt; | &gt;) flags seq:end(len) [ack N] [win N] [urg N] [&lt;options&gt; | &lt;...&gt;]
 *           | [...end] name(args) = result [ERRNO (note)]
 *           | `command` | %{ code }%
 * </pre>
 *
 * UDP, ICMP and encapsulated packet lines, and lines with IP-level fields, parse to
 * {@link Event.UnsupportedPacket} so that the script is skipped with a reason rather than rejected.
 */
final class ScriptParser {
    private static final String FLAG_LETTERS = "FSRPUEWA";

    private final List<Token> tokens;
    private int pos;

    private ScriptParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static Script parse(Path path, String text) {
        return new ScriptParser(ScriptLexer.tokenize(text)).script(path);
    }

    private Script script(Path path) {
        List<Map.Entry<String, String>> options = new ArrayList<>();
        while (peek().kind() == Kind.OPTION) {
            options.add(option());
        }
        String init = null;
        if (peek().kind() == Kind.BACKQUOTED) {
            init = take().text();
        }
        List<Event> events = new ArrayList<>();
        String cleanup = null;
        while (peek().kind() != Kind.END) {
            if (peek().kind() == Kind.BACKQUOTED) {
                Token command = take();
                if (peek().kind() != Kind.END) {
                    throw new ScriptSyntaxException(command.line(),
                        "a command in the body needs a time (only the last line may be a bare cleanup command)");
                }
                cleanup = command.text();
                break;
            }
            events.add(event());
        }
        return new Script(path, List.copyOf(options), init, List.copyOf(events), cleanup);
    }

    private Map.Entry<String, String> option() {
        Token name = take();
        if (!peek().is('=')) {
            return new AbstractMap.SimpleImmutableEntry<>(name.text(), "");
        }
        take();
        StringBuilder value = new StringBuilder(take().text());
        while (peek().is('=') && peek().line() == name.line()) { // --define=NAME=VALUE
            take();
            value.append('=').append(take().text());
        }
        return new AbstractMap.SimpleImmutableEntry<>(name.text(), value.toString());
    }

    // ------------------------------------------------------------------------------------------ events

    private Event event() {
        Token first = peek();
        EventTime time = eventTime();
        Event.Action action = action(time);
        boolean outboundPacket = action instanceof Event.Packet p && !p.spec().inbound();
        if ((time.kind() == EventTime.Kind.ANY || time.range()) && !outboundPacket
            && !(action instanceof Event.UnsupportedPacket)) {
            throw new ScriptSyntaxException(first.line(), "event time " + time
                + " can only be used with outbound packets");
        }
        if (time.range() && time.endUsecs() < time.usecs()) {
            throw new ScriptSyntaxException(first.line(), "time range is backwards");
        }
        return new Event(first.line(), time, action);
    }

    private EventTime eventTime() {
        if (peek().is('*')) {
            take();
            return new EventTime(EventTime.Kind.ANY, 0, EventTime.NO_END);
        }
        if (peek().is('+')) {
            take();
            long start = time();
            if (peek().is('~')) {
                take();
                expect('+', "'+' after '~' in a relative time range");
                return new EventTime(EventTime.Kind.RELATIVE_RANGE, start, time());
            }
            return new EventTime(EventTime.Kind.RELATIVE, start, EventTime.NO_END);
        }
        long start = time();
        if (peek().is('~')) {
            take();
            return new EventTime(EventTime.Kind.ABSOLUTE_RANGE, start, time());
        }
        return new EventTime(EventTime.Kind.ABSOLUTE, start, EventTime.NO_END);
    }

    /** Seconds (integer or decimal) as microseconds. */
    private long time() {
        Token t = take();
        double seconds;
        if (t.kind() == Kind.FLOAT) {
            seconds = t.floating();
        } else if (t.kind() == Kind.INTEGER) {
            seconds = t.integer();
        } else {
            throw new ScriptSyntaxException(t.line(), "expected a time in seconds, found " + t);
        }
        if (seconds < 0) {
            throw new ScriptSyntaxException(t.line(), "negative time");
        }
        return Math.round(seconds * 1e6);
    }

    private Event.Action action(EventTime time) {
        Token t = peek();
        if (t.is('<') || t.is('>')) {
            return packet();
        }
        if (t.kind() == Kind.BACKQUOTED) {
            return new Event.Command(take().text());
        }
        if (t.kind() == Kind.CODE) {
            return new Event.Code(take().text());
        }
        if (t.kind() == Kind.ELLIPSIS || t.kind() == Kind.WORD) {
            return new Event.Syscall(syscall());
        }
        throw new ScriptSyntaxException(t.line(),
            "expected a packet, a system call, a command or a code block after the time, found " + t);
    }

    // ----------------------------------------------------------------------------------------- packets

    private Event.Action packet() {
        Token direction = take();
        boolean inbound = direction.is('<');
        Token t = peek();
        String unsupported = null;
        if (t.kind() == Kind.WORD && List.of("udp", "icmp", "ipv4", "ipv6", "gre", "GREv0", "mpls", "encap").contains(
            t.text())) {
            unsupported = t.text().equals("encap") ? "PSP encapsulation" : t.text() + " packets";
        } else if (t.is('(') || t.is('[')) {
            unsupported = "IP-level fields (ECN, TOS, TTL, flow label) in packet lines";
        } else if (t.isInteger() && peekAt(1).is('>')) {
            unsupported = "explicit ports in packet lines";
        }
        if (unsupported != null) {
            while (peek().kind() != Kind.END && peek().line() == direction.line()) {
                take();
            }
            return new Event.UnsupportedPacket(unsupported);
        }
        int flags = flags();
        Token start = take();
        requireInteger(start, "a sequence number");
        expect(':', "':' in seq:end(len)");
        Token end = take();
        requireInteger(end, "an end sequence number");
        expect('(', "'(' in seq:end(len)");
        Token len = take();
        requireInteger(len, "a payload length");
        expect(')', "')' in seq:end(len)");
        if (start.integer() < 0 || start.integer() > 0xFFFF_FFFFL || len.integer() < 0 || len.integer() > 0xFFFF) {
            throw new ScriptSyntaxException(start.line(), "TCP sequence number or payload size out of range");
        }
        if (end.integer() != start.integer() + len.integer()) {
            throw new ScriptSyntaxException(start.line(), "inconsistent TCP sequence numbers and payload size");
        }
        long ack = 0;
        int window = -1;
        int urgent = 0;
        if (peek().isWord("ack")) {
            take();
            ack = unsigned32(take(), "ack");
        }
        if (peek().isWord("win")) {
            take();
            Token w = take();
            requireInteger(w, "a window");
            if (w.integer() < 0 || w.integer() > 0xFFFF) {
                throw new ScriptSyntaxException(w.line(), "TCP window value out of range");
            }
            window = (int) w.integer();
        }
        if (peek().isWord("urg")) {
            take();
            urgent = (int) take().integer();
        }
        List<TcpOption> options = List.of();
        if (peek().is('<')) {
            options = options();
        }
        if (options == null && inbound) {
            throw new ScriptSyntaxException(direction.line(),
                "<...> for TCP options can only be used with outbound packets");
        }
        if (window < 0 && inbound) {
            throw new ScriptSyntaxException(direction.line(), "window must be specified for inbound packets");
        }
        PacketSpec spec = new PacketSpec(inbound, flags, start.integer(), (int) len.integer(), ack, window, urgent,
            options);
        boolean modelled = options == null || options.stream().noneMatch(o -> o instanceof TcpOption.Unsupported);
        if (modelled && spec.optionsLength() % 4 != 0) {
            throw new ScriptSyntaxException(direction.line(), "TCP options are not padded correctly to ensure TCP"
                + " header is a multiple of 4 bytes: " + spec.optionsLength() % 4 + " excess bytes");
        }
        if (spec.optionsLength() > TcpHeader.MAX_LENGTH - TcpHeader.MIN_LENGTH) {
            throw new ScriptSyntaxException(direction.line(), "TCP header too large");
        }
        return new Event.Packet(spec);
    }

    /** {@code S.}, {@code P.}, {@code .}, {@code -}, {@code FP.}, {@code SEW}. */
    private int flags() {
        Token t = take();
        if (t.is('.')) {
            return TcpHeader.ACK;
        }
        if (t.is('-')) {
            return 0;
        }
        if (t.kind() != Kind.WORD) {
            throw new ScriptSyntaxException(t.line(), "expected TCP flags, found " + t);
        }
        int flags = 0;
        for (char c : t.text().toCharArray()) {
            flags |= switch (c) {
                case 'F' -> TcpHeader.FIN;
                case 'S' -> TcpHeader.SYN;
                case 'R' -> TcpHeader.RST;
                case 'P' -> TcpHeader.PSH;
                case 'U' -> TcpHeader.URG;
                case 'E' -> TcpHeader.ECE;
                case 'W' -> TcpHeader.CWR;
                case 'A' -> PacketFlags.AE;
                default -> throw new ScriptSyntaxException(t.line(), "unknown TCP flag '" + c + "' in '" + t.text()
                    + "' (known: " + FLAG_LETTERS + " and '.')");
            };
        }
        if (peek().is('.')) {
            take();
            flags |= TcpHeader.ACK;
        }
        return flags;
    }

    /** {@code <mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>}; null for {@code <...>}. */
    private List<TcpOption> options() {
        expect('<', "'<'");
        if (peek().kind() == Kind.ELLIPSIS) {
            take();
            expect('>', "'>' after '<...'");
            return null;
        }
        List<TcpOption> options = new ArrayList<>();
        options.add(option1());
        while (peek().is(',')) {
            take();
            options.add(option1());
        }
        expect('>', "',' or '>' in TCP options");
        return List.copyOf(options);
    }

    private TcpOption option1() {
        Token t = take();
        if (t.kind() != Kind.WORD) {
            throw new ScriptSyntaxException(t.line(), "expected a TCP option, found " + t);
        }
        switch (t.text()) {
            case "nop":
                return new TcpOption.Nop();
            case "eol":
                return new TcpOption.Eol();
            case "sackOK":
                return new TcpOption.SackPermitted();
            case "mss": {
                long v = integer("an MSS value");
                if (v < 0 || v > 0xFFFF) {
                    throw new ScriptSyntaxException(t.line(), "mss value out of range");
                }
                return new TcpOption.Mss((int) v);
            }
            case "wscale": {
                long v = integer("a window scale shift");
                if (v < 0 || v > 0xFF) {
                    throw new ScriptSyntaxException(t.line(), "window scale shift count out of range");
                }
                return new TcpOption.WindowScale((int) v);
            }
            case "sack": {
                List<long[]> blocks = new ArrayList<>();
                do {
                    long left = unsigned32(take(), "SACK left edge");
                    expect(':', "':' in a SACK block");
                    long right = unsigned32(take(), "SACK right edge");
                    blocks.add(new long[] {left, right});
                } while (peek().isInteger());
                return new TcpOption.Sack(List.copyOf(blocks));
            }
            case "TS": {
                expectWord("val");
                long val = unsigned32(take(), "TS val");
                expectWord("ecr");
                long ecr = unsigned32(take(), "TS ecr");
                return new TcpOption.Timestamp(val, ecr);
            }
            case "md5", "FO", "FOEXP", "ECN": {
                while (!peek().is(',') && !peek().is('>') && peek().kind() != Kind.END) {
                    take();
                }
                String name = switch (t.text()) {
                    case "md5" -> "TCP MD5 signature option";
                    case "ECN" -> "AccECN option";
                    default -> "TCP Fast Open option";
                };
                return new TcpOption.Unsupported(name, 0, 0);
            }
            default:
                throw new ScriptSyntaxException(t.line(), "unknown TCP option '" + t.text() + "'");
        }
    }

    // ------------------------------------------------------------------------------------ system calls

    private SyscallSpec syscall() {
        long end = -1;
        if (peek().kind() == Kind.ELLIPSIS) {
            take();
            end = time();
        }
        Token name = take();
        if (name.kind() != Kind.WORD) {
            throw new ScriptSyntaxException(name.line(), "expected a system call name, found " + name);
        }
        expect('(', "'(' after " + name.text());
        List<Expr> args = new ArrayList<>();
        if (!peek().is(')')) {
            args.add(expression(true));
            while (peek().is(',')) {
                take();
                args.add(expression(true));
            }
        }
        expect(')', "',' or ')' in the arguments of " + name.text());
        expect('=', "'= result' after " + name.text() + "(...)");
        Expr result = expression(false);
        String errno = null;
        if (peek().kind() == Kind.WORD) {
            errno = take().text();
        }
        if (peek().is('(')) { // a note: (Operation now in progress)
            take();
            while (!peek().is(')')) {
                if (peek().kind() == Kind.END) {
                    throw new ScriptSyntaxException(name.line(), "unterminated note after " + name.text() + "(...)");
                }
                take();
            }
            take();
        }
        return new SyscallSpec(name.text(), List.copyOf(args), result, errno, end);
    }

    /** {@code a|b}, {@code name=value}, or a primary. Calls ({@code inet_addr(...)}) only where allowed. */
    private Expr expression(boolean allowCalls) {
        Expr left = primary(allowCalls);
        while (peek().is('|')) {
            take();
            left = new Expr.Or(left, primary(allowCalls));
        }
        if (peek().is('=') && (left instanceof Expr.Word || left instanceof Expr.Call)) {
            take();
            return new Expr.Assign(left, expression(allowCalls));
        }
        return left;
    }

    private Expr primary(boolean allowCalls) {
        Token t = take();
        switch (t.kind()) {
            case ELLIPSIS:
                return new Expr.Ellipsis();
            case INTEGER, HEX_INTEGER:
                return new Expr.Int(t.integer());
            case STRING: {
                StringBuilder sb = new StringBuilder(t.text());
                while (peek().kind() == Kind.STRING) {
                    sb.append(take().text());
                }
                boolean ellipsis = false;
                if (peek().kind() == Kind.ELLIPSIS) {
                    take();
                    ellipsis = true;
                }
                return new Expr.Str(sb.toString(), ellipsis);
            }
            case WORD:
                if (allowCalls && peek().is('(')) {
                    take();
                    List<Expr> args = new ArrayList<>();
                    if (!peek().is(')')) {
                        args.add(expression(true));
                        while (peek().is(',')) {
                            take();
                            args.add(expression(true));
                        }
                    }
                    expect(')', "')' after the arguments of " + t.text());
                    return new Expr.Call(t.text(), List.copyOf(args));
                }
                return new Expr.Word(t.text());
            case PUNCT:
                if (t.is('[') || t.is('{')) {
                    char close = t.is('[') ? ']' : '}';
                    List<Expr> elements = new ArrayList<>();
                    if (!peek().is(close)) {
                        elements.add(expression(true));
                        while (peek().is(',')) {
                            take();
                            elements.add(expression(true));
                        }
                    }
                    expect(close, "',' or '" + close + "'");
                    return t.is('[') ? new Expr.Bracket(List.copyOf(elements)) : new Expr.Brace(List.copyOf(elements));
                }
                break;
            default:
                break;
        }
        throw new ScriptSyntaxException(t.line(), "expected an expression, found " + t);
    }

    // ----------------------------------------------------------------------------------------- helpers

    private long integer(String what) {
        Token t = take();
        requireInteger(t, what);
        return t.integer();
    }

    private long unsigned32(Token t, String what) {
        requireInteger(t, what);
        if (t.integer() < 0 || t.integer() > 0xFFFF_FFFFL) {
            throw new ScriptSyntaxException(t.line(), what + " out of range: " + t.text());
        }
        return t.integer();
    }

    private static void requireInteger(Token t, String what) {
        if (!t.isInteger()) {
            throw new ScriptSyntaxException(t.line(), "expected " + what + ", found " + t);
        }
    }

    private void expect(char punct, String what) {
        Token t = take();
        if (!t.is(punct)) {
            throw new ScriptSyntaxException(t.line(), "expected " + what + ", found " + t);
        }
    }

    private void expectWord(String word) {
        Token t = take();
        if (!t.isWord(word)) {
            throw new ScriptSyntaxException(t.line(), "expected '" + word + "', found " + t);
        }
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token peekAt(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private Token take() {
        Token t = tokens.get(pos);
        if (t.kind() != Kind.END) {
            pos++;
        }
        return t;
    }
}
