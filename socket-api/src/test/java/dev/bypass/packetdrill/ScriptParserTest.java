package dev.bypass.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.wire.TcpHeader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every construct of the script grammar, and the errors packetdrill's parser reports. */
class ScriptParserTest {
    private static Script parse(String text) {
        return ScriptParser.parse(Path.of("t.pkt"), text);
    }

    private static Event only(String text) {
        List<Event> events = parse(text).events();
        assertEquals(1, events.size(), events.toString());
        return events.get(0);
    }

    private static PacketSpec packet(String text) {
        return assertInstanceOf(Event.Packet.class, only(text).action()).spec();
    }

    private static SyscallSpec call(String text) {
        return assertInstanceOf(Event.Syscall.class, only(text).action()).spec();
    }

    @Test
    void options_init_command_events_and_cleanup_command() {
        Script s = parse("""
            --tolerance_usecs=10000
            --tcp_ts_tick_usecs=1000
            --strict_segments
            `../common/defaults.sh
            sysctl -q net.ipv4.tcp_sack=0`
            0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            `/tmp/sysctl_restore_${PPID}.sh`
            """);
        assertEquals(3, s.options().size());
        assertEquals("tolerance_usecs", s.options().get(0).getKey());
        assertEquals("10000", s.options().get(0).getValue());
        assertEquals("", s.options().get(2).getValue());
        assertEquals("../common/defaults.sh\nsysctl -q net.ipv4.tcp_sack=0", s.initCommand());
        assertEquals(1, s.events().size());
        assertEquals("/tmp/sysctl_restore_${PPID}.sh", s.cleanupCommand());
    }

    @Test
    void times_absolute_relative_any_and_ranges_in_microseconds() {
        Script s = parse("""
            0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +.1 close(3) = 0
            0.250 close(3) = 0
            2 close(3) = 0
            * > S 0:0(0) <...>
            +.3~+.310 > . 1:1(0) ack 1
            1.5~1.6 > . 1:1(0) ack 1
            """);
        List<Event> e = s.events();
        assertEquals(new EventTime(EventTime.Kind.ABSOLUTE, 0, -1), e.get(0).time());
        assertEquals(new EventTime(EventTime.Kind.RELATIVE, 100_000, -1), e.get(1).time());
        assertEquals(new EventTime(EventTime.Kind.ABSOLUTE, 250_000, -1), e.get(2).time());
        assertEquals(new EventTime(EventTime.Kind.ABSOLUTE, 2_000_000, -1), e.get(3).time());
        assertEquals(EventTime.Kind.ANY, e.get(4).time().kind());
        assertEquals(new EventTime(EventTime.Kind.RELATIVE_RANGE, 300_000, 310_000), e.get(5).time());
        assertEquals(new EventTime(EventTime.Kind.ABSOLUTE_RANGE, 1_500_000, 1_600_000), e.get(6).time());
        assertEquals("+0.300000~+0.310000", e.get(5).time().toString());
    }

    @Test
    void lines_are_counted_across_comments_blocks_and_strings() {
        Script s = parse("""
            // a comment
            /* a block
               comment */
            0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 // trailing
            +0 %{
            assert tcpi_snd_cwnd == 10
            }%
            +0 close(3) = 0
            """);
        assertEquals(4, s.events().get(0).line());
        assertEquals(5, s.events().get(1).line());
        assertEquals("\nassert tcpi_snd_cwnd == 10\n", ((Event.Code) s.events().get(1).action()).text());
        assertEquals(8, s.events().get(2).line());
    }

    @Test
    void flags_of_every_kind() {
        assertEquals(TcpHeader.SYN, packet("0 < S 0:0(0) win 1").flags());
        assertEquals(TcpHeader.SYN | TcpHeader.ACK, packet("0 > S. 0:0(0) ack 1").flags());
        assertEquals(TcpHeader.ACK, packet("0 > . 1:1(0) ack 1").flags());
        assertEquals(0, packet("0 < - 1:1001(1000) win 20000").flags());
        assertEquals(TcpHeader.FIN | TcpHeader.PSH | TcpHeader.ACK, packet("0 > FP. 1:2(1) ack 1").flags());
        assertEquals(TcpHeader.RST, packet("0 > R 1:1(0)").flags());
        assertEquals(TcpHeader.RST | TcpHeader.ACK, packet("0 > R. 1:1(0) ack 1").flags());
        assertEquals(TcpHeader.SYN | TcpHeader.ECE | TcpHeader.CWR, packet("0 < SEW 0:0(0) win 1").flags());
        assertEquals(TcpHeader.URG | TcpHeader.ACK, packet("0 < U. 1:2(1) ack 1 win 1 urg 1").flags());
        assertEquals(PacketFlags.AE | TcpHeader.ACK, packet("0 > A. 1:1(0) ack 1").flags());
        ScriptSyntaxException e = assertThrows(ScriptSyntaxException.class, () -> packet("0 > X 1:1(0)"));
        assertTrue(e.getMessage().contains("unknown TCP flag 'X'"), e.getMessage());
    }

    @Test
    void sequence_ack_window_and_urgent() {
        PacketSpec p = packet("0 < P. 4001:6001(2000) ack 4294967295 win 257 urg 7");
        assertTrue(p.inbound());
        assertEquals(4001, p.seq());
        assertEquals(2000, p.payloadLength());
        assertEquals(4294967295L, p.ack());
        assertEquals(257, p.window());
        assertEquals(7, p.urgent());
        assertEquals(List.of(), p.options());
        PacketSpec out = packet("0 > . 1:1(0) ack 1");
        assertFalse(out.inbound());
        assertEquals(-1, out.window(), "no win: the outbound window is not checked");
    }

    @Test
    void every_tcp_option() {
        PacketSpec p = packet("0 < S. 0:0(0) ack 1 win 5 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7,"
            + "sack 1:1001 2001:3001,nop,nop>");
        List<TcpOption> o = p.options();
        assertEquals(new TcpOption.Mss(1460), o.get(0));
        assertEquals(new TcpOption.SackPermitted(), o.get(1));
        assertEquals(new TcpOption.Timestamp(100, 0), o.get(2));
        assertEquals(new TcpOption.Nop(), o.get(3));
        assertEquals(new TcpOption.WindowScale(7), o.get(4));
        assertEquals(new TcpOption.Sack(List.of(new long[] {1, 1001}, new long[] {2001, 3001})), o.get(5));
        assertEquals(40, p.optionsLength());
        assertEquals("mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7,sack 1:1001 2001:3001,nop,nop",
            SegmentFormat.options(o));
        assertEquals(List.of(new TcpOption.Nop(), new TcpOption.Eol(), new TcpOption.Eol(), new TcpOption.Eol()),
            packet("0 > . 1:1(0) ack 1 <nop,eol,eol,eol>").options());
        assertNull(packet("0 > S 0:0(0) <...>").options(), "<...>: options not checked");
        PacketSpec fo = packet("0 < S 0:0(0) win 1 <mss 1460,FO abcd,nop,nop>");
        assertInstanceOf(TcpOption.Unsupported.class, fo.options().get(1));
    }

    @Test
    void udp_icmp_and_ip_fields_parse_as_unsupported_packets() {
        Script s = parse("""
            0 < udp (100)
            +0 > icmp unreachable port_unreachable
            +0 < [ect0] S 0:0(0) win 1
            +0 < ipv4 1.2.3.4 > 5.6.7.8: S 0:0(0) win 1
            +0 < 10 > 20 S 0:0(0) win 1
            +0 close(3) = 0
            """);
        assertEquals(6, s.events().size());
        for (int i = 0; i < 5; i++) {
            assertInstanceOf(Event.UnsupportedPacket.class, s.events().get(i).action(), "event " + i);
        }
        assertInstanceOf(Event.Syscall.class, s.events().get(5).action());
    }

    @Test
    void system_calls_with_every_kind_of_argument() {
        SyscallSpec socket = call("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3");
        assertEquals("socket", socket.name());
        assertEquals(List.of(new Expr.Ellipsis(), new Expr.Word("SOCK_STREAM"), new Expr.Word("IPPROTO_TCP")),
            socket.args());
        assertEquals(new Expr.Int(3), socket.result());
        assertFalse(socket.blocking());

        SyscallSpec opt = call("0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0");
        assertEquals(new Expr.Bracket(List.of(new Expr.Int(1))), opt.args().get(3));

        SyscallSpec fcntl = call("0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0");
        assertEquals(new Expr.Or(new Expr.Word("O_RDWR"), new Expr.Word("O_NONBLOCK")), fcntl.args().get(2));

        SyscallSpec cc = call("0 setsockopt(3, SOL_TCP, TCP_CONGESTION, \"re\" \"no\", 4) = 0");
        assertEquals(new Expr.Str("reno", false), cc.args().get(3));

        SyscallSpec linger = call("0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0");
        assertEquals(new Expr.Brace(List.of(new Expr.Assign(new Expr.Word("onoff"), new Expr.Int(1)),
            new Expr.Assign(new Expr.Word("linger"), new Expr.Int(0)))), linger.args().get(3));

        SyscallSpec poll = call("0 poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0x10) = 1");
        Expr.Brace pollfd = (Expr.Brace) ((Expr.Bracket) poll.args().get(0)).elements().get(0);
        assertEquals(new Expr.Assign(new Expr.Word("events"), new Expr.Or(new Expr.Word("POLLIN"),
            new Expr.Word("POLLOUT"))), pollfd.elements().get(1));
        assertEquals(new Expr.Int(16), poll.args().get(2));

        SyscallSpec sendmsg = call("""
            0 sendmsg(4, {msg_name(...)=...,
                          msg_iov(2)=[{..., 40}, {..., 60}], msg_flags=0}, MSG_MORE) = 100
            """);
        Expr.Brace msg = (Expr.Brace) sendmsg.args().get(1);
        assertEquals(new Expr.Assign(new Expr.Call("msg_name", List.of(new Expr.Ellipsis())), new Expr.Ellipsis()),
            msg.elements().get(0));
        assertEquals("msg_iov(2)=[{..., 40}, {..., 60}]", msg.elements().get(1).toString());

        SyscallSpec addr = call("0 connect(3, inet_addr(\"192.0.2.1\"), ...) = 0");
        assertEquals(new Expr.Call("inet_addr", List.of(new Expr.Str("192.0.2.1", false))), addr.args().get(1));
    }

    @Test
    void results_errno_notes_and_blocking_end_times() {
        SyscallSpec c = call("0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)");
        assertEquals(new Expr.Int(-1), c.result());
        assertEquals("EINPROGRESS", c.errno());
        SyscallSpec f = call("0 fcntl(3, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)");
        assertEquals(new Expr.Int(0x802), f.result());
        assertNull(f.errno());
        Event blocking = only("+.1...0.200 connect(3, ..., ...) = 0");
        assertEquals(new EventTime(EventTime.Kind.RELATIVE, 100_000, -1), blocking.time());
        SyscallSpec b = ((Event.Syscall) blocking.action()).spec();
        assertTrue(b.blocking());
        assertEquals(200_000, b.endUsecs());
        assertEquals(0, call("+0...0 read(3, ..., 1) = 1").endUsecs());
    }

    @Test
    void commands_and_code_blocks_in_the_body() {
        Script s = parse("""
            0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +0 `tc qdisc replace dev tun0 root pfifo limit 0`
            +0 %{ assert tcpi_ca_state == TCP_CA_Open, tcpi_ca_state }%
            """);
        assertEquals(new Event.Command("tc qdisc replace dev tun0 root pfifo limit 0"), s.events().get(1).action());
        assertEquals(new Event.Code("assert tcpi_ca_state == TCP_CA_Open, tcpi_ca_state"), s.events().get(2).action());
    }

    @Test
    void errors_packetdrill_reports_at_parse_time() {
        assertSyntaxError("0 < . 1:1001(999) ack 1 win 1", "inconsistent TCP sequence numbers and payload size");
        assertSyntaxError("0 < . 1:1(0) ack 1", "window must be specified for inbound packets");
        assertSyntaxError("0 < . 1:1(0) ack 1 win 1 <...>", "<...> for TCP options can only be used with outbound");
        assertSyntaxError("0 > S 0:0(0) <mss 1460,nop>", "TCP options are not padded correctly");
        assertSyntaxError("* close(3) = 0", "can only be used with outbound packets");
        assertSyntaxError("0 < . 1:1(0) ack 1 win 70000", "TCP window value out of range");
        assertSyntaxError("0 > S 0:0(0) <wobble 3>", "unknown TCP option 'wobble'");
        assertSyntaxError("+.2~+.1 > . 1:1(0)", "time range is backwards");
        assertSyntaxError("0 close(3) = 0\n`cmd`\n0 close(3) = 0", "a command in the body needs a time");
        assertSyntaxError("0 %{ assert 1", "%{ code block without its closing }%");
        ScriptSyntaxException e = assertThrows(ScriptSyntaxException.class, () -> parse("0 close(3) = 0\n\n+0 > S"));
        assertEquals(3, e.line());
    }

    private static void assertSyntaxError(String text, String message) {
        ScriptSyntaxException e = assertThrows(ScriptSyntaxException.class, () -> parse(text), text);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void lexer_takes_the_longest_number_or_word() {
        List<Token> t = ScriptLexer.tokenize("+0...0.010 0x7fffffff 192.0.2.1 1:1001 .5 8080abc --mss=1000");
        assertEquals(List.of("+", "0", "...", "0.010", "0x7fffffff", "192.0.2.1", "1", ":", "1001", ".5", "8080abc",
            "mss", "=", "1000", ""), t.stream().map(Token::text).toList());
        assertEquals(Token.Kind.HEX_INTEGER, t.get(4).kind());
        assertEquals(0x7fffffffL, t.get(4).integer());
        assertEquals(Token.Kind.IPV4_ADDRESS, t.get(5).kind());
        assertEquals(Token.Kind.FLOAT, t.get(9).kind());
        assertEquals(Token.Kind.WORD, t.get(10).kind());
        assertEquals(Token.Kind.OPTION, t.get(11).kind());
    }
}
