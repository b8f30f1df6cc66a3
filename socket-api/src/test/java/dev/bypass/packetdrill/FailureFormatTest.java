package dev.bypass.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.bypass.stack.wire.TcpHeader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Outbound comparison messages and packet text, as packetdrill prints them. */
class FailureFormatTest {
    private static PacketSpec spec(String line) {
        return ((Event.Packet) ScriptParser.parse(Path.of("t.pkt"), "0 " + line).events().get(0).action()).spec();
    }

    private static Segment seg(int flags, long seq, int len, long ack, int win, List<TcpOption> options) {
        return new Segment(8080, 48001, flags, seq, ack, win, 0, options, len, true);
    }

    private static final List<TcpOption> SYNACK_OPTIONS = List.of(new TcpOption.Mss(1460), new TcpOption.Nop(),
        new TcpOption.WindowScale(7));

    @Test
    void packets_print_in_packetdrills_format() {
        assertEquals("S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>",
            SegmentFormat.script(spec("> S. 0:0(0) ack 1 <mss 1460,nop,wscale 8>")));
        assertEquals("P. 1:2001(2000) ack 1 win 257", SegmentFormat.script(spec("> P. 1:2001(2000) ack 1 win 257")));
        assertEquals("S 0:0(0)", SegmentFormat.script(spec("> S 0:0(0) <...>")));
        assertEquals(" 0:0(0) win 1", SegmentFormat.script(spec("< - 0:0(0) win 1")));
        assertEquals("F. 4294967295:4294967295(0) ack 2 win 0",
            SegmentFormat.actual(seg(TcpHeader.FIN | TcpHeader.ACK, 4294967295L, 0, 2, 0, List.of())));
        assertEquals("script packet:  0.100000 S. 0:0(0) ack 1",
            SegmentFormat.dumpLine("script", 100_000, "S. 0:0(0) ack 1"));
    }

    @Test
    void a_matching_segment_passes_and_an_unchecked_window_or_options_are_not_compared() {
        Segment synAck = seg(TcpHeader.SYN | TcpHeader.ACK, 0, 0, 1, 65535, SYNACK_OPTIONS);
        assertNull(OutboundCheck.verify(spec("> S. 0:0(0) ack 1 <mss 1460,nop,wscale 7>"), synAck, 4000, 0));
        assertNull(OutboundCheck.verify(spec("> S. 0:0(0) ack 1 <...>"), synAck, 4000, 0));
    }

    @Test
    void field_differences_name_the_field_in_packetdrills_words() {
        Segment data = seg(TcpHeader.ACK, 1, 1000, 1, 257, List.of());
        assertEquals("live packet field tcp_psh: expected: 1 (0x1) vs actual: 0 (0x0)",
            OutboundCheck.verify(spec("> P. 1:1001(1000) ack 1"), data, 4000, 0));
        assertEquals("live packet field tcp_seq: expected: 1001 (0x3e9) vs actual: 1 (0x1)",
            OutboundCheck.verify(spec("> . 1001:2001(1000) ack 1"), data, 4000, 0));
        assertEquals("live packet field tcp_ack_seq: expected: 2 (0x2) vs actual: 1 (0x1)",
            OutboundCheck.verify(spec("> . 1:1001(1000) ack 2"), data, 4000, 0));
        assertEquals("live packet field tcp_window: expected: 256 (0x100) vs actual: 257 (0x101)",
            OutboundCheck.verify(spec("> . 1:1001(1000) ack 1 win 256"), data, 4000, 0));
        assertEquals("live packet field ipv4_total_length: expected: 52 (0x34) vs actual: 40 (0x28)",
            OutboundCheck.verify(spec("> . 1:1(0) ack 1 <nop,nop,TS val 1 ecr 2>"),
                seg(TcpHeader.ACK, 1, 0, 1, 257, List.of()), 4000, 0));
        Segment nonZero = new Segment(8080, 48001, TcpHeader.ACK, 1, 1, 257, 0, List.of(), 1000, false);
        assertEquals("incorrect outbound data payload", OutboundCheck.verify(spec("> . 1:1001(1000) ack 1"), nonZero,
            4000, 0));
    }

    @Test
    void option_differences_name_the_option() {
        Segment synAck = seg(TcpHeader.SYN | TcpHeader.ACK, 0, 0, 1, 65535, SYNACK_OPTIONS);
        assertEquals("bad value in outbound TCP option (kind=3): expected: wscale 6 actual: wscale 7",
            OutboundCheck.verify(spec("> S. 0:0(0) ack 1 <mss 1460,nop,wscale 6>"), synAck, 4000, 0));
        assertEquals("bad outbound TCP options",
            OutboundCheck.verify(spec("> S. 0:0(0) ack 1 <mss 1460,wscale 7,nop>"), synAck, 4000, 0));
    }

    @Test
    void ts_val_is_checked_only_with_a_tick_and_within_the_tolerance() {
        Segment ack = seg(TcpHeader.ACK, 1, 0, 1, 257, List.of(new TcpOption.Nop(), new TcpOption.Nop(),
            new TcpOption.Timestamp(240, 5)));
        PacketSpec expected = spec("> . 1:1(0) ack 1 <nop,nop,TS val 200 ecr 201>");
        assertNull(OutboundCheck.verify(expected, ack, 4000, 0), "no tick: TS val and ecr are not checked");
        assertNull(OutboundCheck.verify(expected, ack, 40_000, 1000));
        assertEquals("bad outbound TCP timestamp value, tolerance 4000",
            OutboundCheck.verify(expected, ack, 4000, 1000));
    }

    @Test
    void a_failing_script_prints_its_line_both_packets_and_the_reason() {
        Result r = PacketdrillRunner.run(Path.of("x/wrong.pkt"), """
            0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +0 bind(3, ..., ...) = 0
            +0 listen(3, 1) = 0
            +0 < S 0:0(0) win 65535 <mss 1460>
            +.2 > S. 0:0(0) ack 1 <mss 1460>
            """);
        assertEquals(Result.Status.FAIL, r.status());
        assertEquals("x/wrong.pkt:5: error handling packet: timing error: expected outbound packet at 0.200000 sec but"
            + " happened at 0.000000 sec; tolerance 0.025000 sec", r.reason());
        assertEquals("""
            script packet:  0.200000 S. 0:0(0) ack 1 <mss 1460>
            actual packet:  0.000000 S. 0:0(0) ack 1 win 65535 <mss 1460>""", r.details());
    }
}
