package dev.bypass.stack.wire;

import static dev.bypass.stack.wire.WireFixtures.TCP_DATA;
import static dev.bypass.stack.wire.WireFixtures.TCP_SYN;
import static dev.bypass.stack.wire.WireFixtures.bytes;
import static dev.bypass.stack.wire.WireFixtures.hex;
import static dev.bypass.stack.wire.WireFixtures.offHeap;
import static dev.bypass.stack.wire.WireFixtures.prefilled;
import static dev.bypass.stack.wire.WireFixtures.slice;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TcpSegmentTest {
    private static final int TCP = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;
    private final TcpSegment seg = new TcpSegment();

    /** A 20-byte ACK header with {@code options} (padded by the caller to a multiple of 4) appended. */
    private static byte[] withOptions(String options) {
        byte[] o = hex(options);
        if (o.length % 4 != 0) {
            throw new IllegalArgumentException("options must be padded to a multiple of 4: " + o.length);
        }
        byte[] b = new byte[20 + o.length];
        UnsafeBuffer buf = new UnsafeBuffer(b);
        new TcpHeader().wrap(buf, 0).write(1, 2, 100, 200, b.length, TcpHeader.ACK, 1000);
        buf.putBytes(20, o);
        return b;
    }

    private boolean parse(byte[] b) {
        return seg.parse(offHeap(b, 7), 7, b.length);
    }

    @Test
    void parses_every_field_and_option_of_a_captured_syn() {
        int length = TCP_SYN.length - TCP;
        assertTrue(seg.parse(offHeap(TCP_SYN, 0), TCP, length));
        assertEquals(59528, seg.sourcePort);
        assertEquals(8080, seg.destinationPort);
        assertEquals(0xa7408c91, seg.seq);
        assertEquals(0, seg.ack);
        assertEquals(TcpHeader.SYN, seg.flags);
        assertEquals(64240, seg.window);
        assertEquals(0, seg.urgentPointer);
        assertEquals(40, seg.headerLength);
        assertEquals(TCP + 40, seg.payloadOffset);
        assertEquals(0, seg.payloadLength);
        assertEquals(1460, seg.mss);
        assertEquals(10, seg.windowScale);
        assertTrue(seg.sackPermitted);
        assertTrue(seg.hasTimestamps);
        assertEquals(0xbb26c65d, seg.tsVal);
        assertEquals(0, seg.tsEcr);
        assertEquals(0, seg.sackBlockCount);
        assertFalse(seg.badOptions);
        assertEquals(1, seg.sequenceLength(), "a SYN takes one sequence number");
        assertEquals("59528>8080 S seq=2806025361 win=64240 len=0 mss=1460 wscale=10 sackOK TS val 3139880541 ecr 0",
            seg.toString());
    }

    @Test
    void parses_a_captured_data_segment_and_finds_its_payload() {
        UnsafeBuffer b = offHeap(TCP_DATA, 0);
        assertTrue(seg.parse(b, TCP, TCP_DATA.length - TCP));
        assertTrue(seg.has(TcpHeader.PSH));
        assertTrue(seg.has(TcpHeader.ACK));
        assertFalse(seg.has(TcpHeader.SYN));
        assertEquals(0x2101afbf, seg.ack);
        assertEquals(32, seg.headerLength);
        assertEquals(3, seg.payloadLength);
        assertArrayEquals("GET".getBytes(), bytes(b, seg.payloadOffset, seg.payloadLength));
        assertEquals(3, seg.sequenceLength());
        assertTrue(seg.hasTimestamps);
        assertEquals(0xbb26c65d, seg.tsVal);
        assertEquals(0xbabf7620, seg.tsEcr);
        assertEquals(-1, seg.mss);
        assertEquals(-1, seg.windowScale);
        assertFalse(seg.sackPermitted);
    }

    @Test
    void a_new_parse_forgets_the_options_of_the_last_segment() {
        assertTrue(seg.parse(offHeap(TCP_SYN, 0), TCP, TCP_SYN.length - TCP));
        assertTrue(parse(withOptions("")));
        assertEquals(-1, seg.mss);
        assertEquals(-1, seg.windowScale);
        assertFalse(seg.sackPermitted);
        assertFalse(seg.hasTimestamps);
        assertEquals(0, seg.tsVal);
        assertEquals(0, seg.sackBlockCount);
    }

    @Test
    void parse_refuses_a_segment_shorter_than_20_bytes() {
        byte[] b = withOptions("");
        assertFalse(seg.parse(offHeap(b, 0), 0, 19));
        assertTrue(seg.parse(offHeap(b, 0), 0, 20));
    }

    @Test
    void parse_refuses_a_data_offset_below_5() {
        for (int dataOffset = 0; dataOffset < 5; dataOffset++) {
            byte[] b = withOptions("01010101");
            b[12] = (byte) (dataOffset << 4);
            assertFalse(parse(b), "data offset " + dataOffset);
        }
    }

    @Test
    void parse_refuses_a_data_offset_past_the_segment() {
        byte[] b = withOptions("01010101"); // 24 bytes, data offset 6
        b[12] = (byte) (7 << 4);
        assertFalse(parse(b), "28-byte header in a 24-byte segment");
        b[12] = (byte) (15 << 4);
        assertFalse(parse(b));
        b[12] = (byte) (6 << 4);
        assertTrue(parse(b));
    }

    @Test
    void sack_blocks_parse_from_hand_made_bytes() {
        assertTrue(parse(withOptions("0101 0512 00000064 000000c8 0000012c 00000190")));
        assertEquals(2, seg.sackBlockCount);
        assertArrayEquals(new int[] {100, 200, 300, 400}, java.util.Arrays.copyOf(seg.sackBlocks, 4));
        assertFalse(seg.badOptions);
    }

    @Test
    void sack_blocks_emit_as_nop_nop_sack() {
        UnsafeBuffer b = prefilled(24);
        int n = TcpSegment.emitOptions(b, 2, -1, -1, false, false, 0, 0, new int[] {100, 200, 300, 400}, 2);
        assertEquals(20, n);
        assertEquals(20, TcpSegment.optionsLength(false, false, false, false, 2));
        assertArrayEquals(hex("0101 0512 00000064 000000c8 0000012c 00000190"), bytes(b, 2, 20));
        assertEquals((byte) 0xA5, b.getByte(22));
    }

    @Test
    void sack_permitted_without_timestamps_emits_as_nop_nop_sackok() {
        UnsafeBuffer b = prefilled(8);
        assertEquals(4, TcpSegment.emitOptions(b, 0, -1, -1, true, false, 0, 0, null, 0));
        assertArrayEquals(hex("01010402"), bytes(b, 0, 4));
        assertEquals((byte) 0xA5, b.getByte(4));
    }

    @Test
    void nops_are_skipped_and_eol_ends_the_options() {
        assertTrue(parse(withOptions("0101 0103 0305 00 020405b4 00000000 00")));
        assertEquals(5, seg.windowScale);
        assertEquals(-1, seg.mss, "the MSS after EOL is not an option");
        assertFalse(seg.badOptions);
    }

    @Test
    void an_unknown_option_is_skipped_by_its_length() {
        // Kind 30 (MPTCP) with 6 bytes, kind 34 (TFO cookie request, length 2), then MSS.
        assertTrue(parse(withOptions("1e06aabbccdd 2202 020405b4")));
        assertEquals(1460, seg.mss);
        assertFalse(seg.badOptions);
    }

    @Test
    void a_known_option_with_the_wrong_length_is_ignored() {
        assertTrue(parse(withOptions("020305 0202 0803aa 01 020405b4 000000")));
        assertEquals(1460, seg.mss, "the MSS with length 3 is skipped, the later one taken");
        assertFalse(seg.sackPermitted);
        assertFalse(seg.hasTimestamps);
        assertFalse(seg.badOptions);
    }

    @Test
    void an_option_length_of_zero_or_one_is_bad_and_ends_parsing() {
        assertTrue(parse(withOptions("020405b4 0800 0303")));
        assertEquals(1460, seg.mss, "options before the bad one count");
        assertTrue(seg.badOptions);
        assertTrue(parse(withOptions("0401 0303 07010101")));
        assertFalse(seg.sackPermitted);
        assertEquals(-1, seg.windowScale, "nothing after the bad option");
        assertTrue(seg.badOptions);
    }

    @Test
    void an_option_running_past_the_header_is_bad() {
        assertTrue(parse(withOptions("030305 080a0000 00")));
        assertEquals(5, seg.windowScale);
        assertFalse(seg.hasTimestamps);
        assertTrue(seg.badOptions);
    }

    @Test
    void an_option_kind_in_the_last_byte_without_its_length_is_bad() {
        assertTrue(parse(withOptions("010101 02")));
        assertTrue(seg.badOptions);
        assertEquals(-1, seg.mss);
    }

    @Test
    void sequence_length_counts_syn_and_fin() {
        byte[] b = withOptions("");
        b[13] = (byte) (TcpHeader.SYN | TcpHeader.FIN);
        assertTrue(parse(b));
        assertEquals(2, seg.sequenceLength());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void emitted_options_parse_back_to_the_same_values(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int trial = 0; trial < 500; trial++) {
            boolean hasMss = random.nextBoolean();
            boolean hasScale = random.nextBoolean();
            boolean sackOk = random.nextBoolean();
            boolean ts = random.nextBoolean();
            int mss = random.nextInt(65536);
            int scale = random.nextInt(15);
            int tsVal = random.nextInt();
            int tsEcr = random.nextInt();
            int used = TcpSegment.optionsLength(hasMss, hasScale, sackOk, ts, 0);
            int blocks = Math.min(random.nextInt(5), (40 - used - 4) / 8);
            blocks = Math.max(blocks, 0);
            int[] sack = new int[8];
            for (int i = 0; i < 2 * blocks; i++) {
                sack[i] = random.nextInt();
            }
            int optionsLength = TcpSegment.optionsLength(hasMss, hasScale, sackOk, ts, blocks);
            String what = "seed " + seed + " trial " + trial;
            assertEquals(0, optionsLength % 4, what);
            UnsafeBuffer b = prefilled(20 + optionsLength + 5);
            new TcpHeader().wrap(b, 0).write(10, 20, 30, 40, 20 + optionsLength, TcpHeader.ACK, 50);
            int written = TcpSegment.emitOptions(b, 20, hasMss ? mss : -1, hasScale ? scale : -1, sackOk, ts, tsVal,
                tsEcr, sack, blocks);
            assertEquals(optionsLength, written, what);
            assertEquals((byte) 0xA5, b.getByte(20 + optionsLength), what + ": wrote past the options");
            assertTrue(seg.parse(b, 0, 20 + optionsLength), what);
            assertEquals(hasMss ? mss : -1, seg.mss, what);
            assertEquals(hasScale ? scale : -1, seg.windowScale, what);
            assertEquals(sackOk, seg.sackPermitted, what);
            assertEquals(ts, seg.hasTimestamps, what);
            if (ts) {
                assertEquals(tsVal, seg.tsVal, what);
                assertEquals(tsEcr, seg.tsEcr, what);
            }
            assertEquals(blocks, seg.sackBlockCount, what);
            for (int i = 0; i < 2 * blocks; i++) {
                assertEquals(sack[i], seg.sackBlocks[i], what);
            }
            assertFalse(seg.badOptions, what);
            assertEquals(0, seg.payloadLength, what);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void random_option_bytes_never_read_outside_the_header(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int trial = 0; trial < 5000; trial++) {
            int optionsLength = 4 * random.nextInt(11);
            byte[] b = new byte[20 + optionsLength];
            random.nextBytes(b);
            b[12] = (byte) ((5 + optionsLength / 4) << 4);
            // A buffer exactly the segment's size: Agrona's bounds checks throw on any read past it.
            UnsafeBuffer exact = new UnsafeBuffer(b);
            assertTrue(seg.parse(exact, 0, b.length), "seed " + seed + " trial " + trial);
            assertTrue(seg.sackBlockCount <= TcpSegment.MAX_SACK_BLOCKS);
        }
    }
}
