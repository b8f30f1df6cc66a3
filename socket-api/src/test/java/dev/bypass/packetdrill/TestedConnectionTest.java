package dev.bypass.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** packetdrill's mapping between script and live sequence numbers and timestamps. */
class TestedConnectionTest {
    private static PacketSpec spec(String line) {
        return ((Event.Packet) ScriptParser.parse(Path.of("t.pkt"), "0 " + line).events().get(0).action()).spec();
    }

    private static TestedConnection passive() {
        TestedConnection c = TestedConnection.child(8080, 48001, 1000);
        c.scriptLocalIsn = 0;
        c.liveLocalIsn = 0xFFFF_FF00L; // wraps
        return c;
    }

    @Test
    void inbound_seq_is_relative_to_the_remote_isn_and_ack_and_sack_to_ours() throws Exception {
        TestedConnection c = passive();
        Segment syn = c.inboundToLive(spec("< S 1000:1000(0) win 100"), false);
        assertEquals(1000, syn.seq(), "a SYN's sequence number is injected as written");
        Segment data = c.inboundToLive(spec("< . 1:101(100) ack 1 win 100 <sack 201:301,nop,nop>"), false);
        assertEquals(1001, data.seq());
        assertEquals(0xFFFF_FF01L, data.ack());
        assertEquals(new TcpOption.Sack(List.of(new long[] {0xFFFF_FFC9L, 0x2DL})), data.options().get(0));
        assertEquals(48001, data.srcPort());
        assertEquals(8080, data.dstPort());
    }

    @Test
    void outbound_values_map_back_to_script_space() {
        TestedConnection c = passive();
        Segment synAck = new Segment(8080, 48001, 0x12, 0xFFFF_FF00L, 1001, 65535, 0, List.of(), 0, true);
        Segment s = c.sequenceToScript(synAck);
        assertEquals(0, s.seq());
        assertEquals(1001, s.ack(), "a SYN's ack is not offset (the remote ISN is the script's)");
        Segment data = new Segment(8080, 48001, 0x10, 0x3E8L - 0x100 + 1, 1101, 500, 0, List.of(), 10, true);
        Segment d = c.sequenceToScript(data);
        assertEquals(1001, d.seq());
        assertEquals(101, d.ack());
    }

    @Test
    void ts_ecr_names_a_script_ts_val_seen_before() throws Exception {
        TestedConnection c = passive();
        Segment out = new Segment(8080, 48001, 0x10, 0xFFFF_FF01L, 1001, 500, 0,
            List.of(new TcpOption.Nop(), new TcpOption.Nop(), new TcpOption.Timestamp(5_000_000, 7)), 0, true);
        Segment mapped = c.timestampToScript(c.sequenceToScript(out),
            spec("> . 1:1(0) ack 1 <nop,nop,TS val 100 ecr 7>"));
        assertEquals(new TcpOption.Timestamp(100, 7), mapped.options().get(2));
        Segment later = new Segment(8080, 48001, 0x10, 0xFFFF_FF01L, 1001, 500, 0,
            List.of(new TcpOption.Nop(), new TcpOption.Nop(), new TcpOption.Timestamp(5_000_040, 7)), 0, true);
        Segment laterMapped = c.timestampToScript(later, spec("> . 1:1(0) ack 1 <nop,nop,TS val 999 ecr 7>"));
        assertEquals(new TcpOption.Timestamp(140, 7), laterMapped.options().get(2),
            "offset from the first TS val seen");

        Segment in = c.inboundToLive(spec("< . 1:1(0) ack 1 win 5 <nop,nop,TS val 8 ecr 100>"), false);
        assertEquals(new TcpOption.Timestamp(8, 5_000_000), in.options().get(2));
        TestedConnection.MappingException e = assertThrows(TestedConnection.MappingException.class,
            () -> c.inboundToLive(spec("< . 1:1(0) ack 1 win 5 <nop,nop,TS val 8 ecr 123>"), false));
        assertTrue(e.getMessage().contains("unable to infer live TS ecr for script TS ecr 123"), e.getMessage());
        Segment scaled = c.inboundToLive(spec("< . 1:1(0) ack 1 win 5 <nop,nop,TS val 8 ecr 123>"), true);
        assertEquals(new TcpOption.Timestamp(8, 5_000_023), scaled.options().get(2));
    }
}
