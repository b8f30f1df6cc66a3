package dev.bypass.stack;

import static dev.bypass.stack.wire.TcpHeader.ACK;
import static dev.bypass.stack.wire.TcpHeader.PSH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import dev.bypass.testing.TestDevice;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Super-segments as Linux builds them: sized by TSO autosizing (about 1 ms of the pacing rate, at least
 * two segments; the whole device limit on short paths), PSH on every super-segment, and cut in software
 * (Linux's GSO) when the device has no TSO, PSH and FIN staying with the last piece.
 */
class TcpSuperSegmentTest {
    private static final long MS = 1_000_000L;
    private static final DeviceCapabilities TSO = new DeviceCapabilities(1, 1, DeviceCapabilities.OFFLOAD_TSO, 65536);

    /** Payload bytes of each frame the device was handed, in order. */
    private static List<Integer> payloads(TcpFixture f) {
        List<Integer> sizes = new ArrayList<>();
        for (TestDevice.Sent s : f.device.takeSent()) {
            int ipHeader = (s.bytes()[14] & 0x0F) * 4;
            int tcpHeader = ((s.bytes()[14 + ipHeader + 12] & 0xFF) >> 4) * 4;
            sizes.add(s.bytes().length - 14 - ipHeader - tcpHeader);
        }
        return sizes;
    }

    @Test
    void on_a_long_path_a_super_segment_is_two_segments_each_with_psh() {
        TcpFixture f = new TcpFixture(TcpConfig.DEFAULT, TSO);
        TcpConnection c = f.established(100 * MS);
        int mss = c.info(new TcpInfo()).sendMss;
        f.write(c, Packets.pattern(10 * mss, 1));
        f.poll();
        List<TestDevice.Sent> sent = f.device.takeSent();
        // 10 segments at 2 * cwnd / srtt = 200 segments per second: far below 1 ms of a segment, so the minimum.
        assertEquals(5, sent.size(), "ten segments as five super-segments of two");
        for (TestDevice.Sent s : sent) {
            assertEquals(mss, s.tsoSegmentSize());
            assertTrue((s.txFlags() & Frame.TX_TCP_SEGMENTATION) != 0);
            int flags = s.bytes()[14 + 20 + 13] & 0xFF;
            assertEquals(PSH | ACK, flags, "PSH on every super-segment (Linux __tcp_transmit_skb)");
        }
    }

    @Test
    void on_a_short_path_a_super_segment_takes_the_device_limit() {
        TcpFixture f = new TcpFixture(TcpConfig.DEFAULT, TSO);
        TcpConnection c = f.established(100_000); // 100 us: min RTT below 512 us adds the device's limit
        int mss = c.info(new TcpInfo()).sendMss;
        f.write(c, Packets.pattern(10 * mss, 1));
        f.poll();
        List<Integer> sizes = payloads(f);
        // The congestion window allows half of itself per burst (Linux tcp_cwnd_test): 5 + 5 segments.
        assertEquals(List.of(5 * mss, 5 * mss), sizes);
    }

    @Test
    void the_minimum_number_of_segments_is_a_socket_option() {
        TcpFixture f = new TcpFixture(TcpConfig.builder().minTsoSegments(5).build(), TSO);
        TcpConnection c = f.established(100 * MS);
        int mss = c.info(new TcpInfo()).sendMss;
        f.write(c, Packets.pattern(10 * mss, 1));
        f.poll();
        assertEquals(List.of(5 * mss, 5 * mss), payloads(f));
    }

    @Test
    void without_tso_the_stack_cuts_super_segments_itself_psh_on_the_last_piece() {
        TcpFixture f = new TcpFixture(TcpConfig.DEFAULT, DeviceCapabilities.NONE);
        TcpConnection c = f.established(100 * MS);
        int mss = c.info(new TcpInfo()).sendMss;
        byte[] written = Packets.pattern(5 * mss, 7);
        f.write(c, written);
        f.poll();
        List<Parsed> sent = f.recvAll();
        assertEquals(5, sent.size());
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        int[] flags = new int[5];
        for (int i = 0; i < 5; i++) {
            Parsed p = sent.get(i);
            assertEquals(mss, p.payload.length);
            assertTrue(p.ipTotalLength <= 1500);
            flags[i] = p.tcp.flags;
            joined.write(p.payload, 0, p.payload.length);
        }
        assertArrayEquals(written, joined.toByteArray());
        // Super-segments of two (autosized), each with PSH, cut in software: PSH on the second of each pair,
        // and on the lone last segment, which ends the write.
        assertArrayEquals(new int[] {ACK, PSH | ACK, ACK, PSH | ACK, PSH | ACK}, flags);
        assertEquals(2, f.counter(Counter.TCP_GSO_SEGMENTS));
    }

    @Test
    void a_software_cut_that_finds_too_few_frames_sends_nothing_and_resumes_later() {
        TcpFixture f = new TcpFixture(TcpConfig.DEFAULT, DeviceCapabilities.NONE);
        TcpConnection c = f.established(100 * MS);
        int mss = c.info(new TcpInfo()).sendMss;
        // Leave one frame in the pool: a super-segment of two cannot go.
        List<Frame> held = new ArrayList<>();
        while (f.device.pool().available() > 1) {
            held.add(f.device.pool().allocate());
        }
        f.write(c, Packets.pattern(2 * mss, 3));
        f.poll();
        assertEquals(List.of(), f.recvAll(), "all pieces or none");
        assertTrue(f.counter(Counter.TCP_TX_NO_BUFFER) > 0);
        assertTrue(f.stack.nextDeadlineNs() > f.now, "one frame free is not enough: no busy retry at the same instant");
        held.forEach(Frame::release);
        f.advance(MS);
        List<Parsed> sent = f.recvAll();
        assertEquals(2, sent.size(), "sent once frames are back: " + sent);
        assertEquals(f.ourSeq, sent.get(0).tcp.seq);
        assertEquals(f.ourSeq + mss, sent.get(1).tcp.seq);
    }

    @Test
    void a_software_cut_never_needs_more_than_a_fraction_of_the_pool() {
        TcpFixture f = new TcpFixture(TcpConfig.DEFAULT, DeviceCapabilities.NONE);
        TcpConnection c = f.established(100_000); // a short path: autosizing asks for the largest super-segment
        int mss = c.info(new TcpInfo()).sendMss;
        f.write(c, Packets.pattern(10 * mss, 1));
        f.poll();
        assertEquals(10, f.recvAll().size());
        // 512 frames in the fixture's pool: at most 64 per cut, far above this window; the burst is cwnd / 2.
        assertEquals(2, f.counter(Counter.TCP_GSO_SEGMENTS));
        int poolFrames = f.device.pool().size();
        assertTrue(f.stack.tcp().maxTsoPayload(mss) <= Math.max(2, poolFrames / 8) * mss);
    }
}
