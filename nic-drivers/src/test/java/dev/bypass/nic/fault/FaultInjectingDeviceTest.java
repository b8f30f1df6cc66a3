package dev.bypass.nic.fault;

import static dev.bypass.nic.testing.Packets.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.testing.Packets;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.testing.TestDevice;
import dev.bypass.stack.device.ByteArrayDevice.Sent;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FaultInjectingDeviceTest {
    private static final int N = 100_000;
    /** UDP payload of the numbered test frames: with the headers a 100-byte frame. */
    private static final int PAYLOAD = 58;
    private static final int INDEX_AT = Packets.ETHERNET + Packets.IPV4 + Packets.UDP;

    private TestDevice inner;

    private FaultInjectingDevice device(FaultConfig config) {
        if (inner != null) {
            inner.close(); // a test that builds a second device
        }
        inner = new TestDevice(1024, 16 * 1024, DeviceCapabilities.NONE);
        return new FaultInjectingDevice(inner, config);
    }

    @AfterEach
    void closeInner() {
        if (inner != null) {
            inner.close();
        }
    }

    /** Frame {@code i}: a UDP frame whose payload starts with {@code i}, with valid checksums. */
    private static byte[] numbered(int i) {
        byte[] payload = payload(PAYLOAD, i);
        ByteBuffer.wrap(payload).putInt(i);
        return Packets.packets().udp(payload);
    }

    private static int indexOf(byte[] frame) {
        return Packets.getInt(frame, INDEX_AT);
    }

    /** Sends frames 0..n-1, frame i at time {@code i * spacingNs}, flushing after each; then a final flush. */
    private static void sendNumbered(FaultInjectingDevice device, int n, long spacingNs) {
        for (int i = 0; i < n; i++) {
            device.transmit(0, Packets.frame(device.pool(), numbered(i)), i * spacingNs);
            device.flush(0, i * spacingNs);
        }
    }

    private static void drain(FaultInjectingDevice device) {
        long deadline;
        while ((deadline = device.nextDeadlineNs()) != Long.MAX_VALUE) {
            device.flush(0, deadline);
        }
    }

    /** A binomial count within five standard deviations of its mean. */
    private static void assertRate(long count, long trials, double percent, String what) {
        double p = percent / 100;
        double mean = trials * p;
        double sd = Math.sqrt(trials * p * (1 - p));
        assertTrue(Math.abs(count - mean) <= 5 * sd,
            what + ": " + count + " of " + trials + ", expected " + mean + " +- " + 5 * sd);
    }

    // ---- rates

    @Test
    void loss_drops_its_share_of_frames() {
        FaultInjectingDevice device = device(FaultConfig.builder(1).lossPercent(10).build());

        sendNumbered(device, N, 1_000);

        assertRate(device.lost(), N, 10, "lost");
        assertEquals(N - device.lost(), inner.sent().size());
        assertEquals(device.lost(), device.txDropped());
        int previous = -1;
        for (Sent s : inner.sent()) {
            assertTrue(indexOf(s.bytes()) > previous, "loss alone keeps the order");
            previous = indexOf(s.bytes());
        }
    }

    @Test
    void duplication_sends_its_share_twice_one_right_after_the_other() {
        FaultInjectingDevice device = device(FaultConfig.builder(2).duplicatePercent(5).build());

        sendNumbered(device, N, 1_000);

        assertRate(device.duplicated(), N, 5, "duplicated");
        List<Sent> sent = inner.sent();
        assertEquals(N + device.duplicated(), sent.size());
        long pairs = 0;
        for (int k = 1; k < sent.size(); k++) {
            if (Arrays.equals(sent.get(k).bytes(), sent.get(k - 1).bytes())) {
                pairs++;
            }
        }
        assertEquals(device.duplicated(), pairs);
        assertEquals(inner.pool().size(), inner.pool().available(), "copies released too");
    }

    @Test
    void corruption_flips_exactly_one_bit_of_its_share_of_frames() {
        FaultInjectingDevice device = device(FaultConfig.builder(3).corruptPercent(5).build());

        sendNumbered(device, N, 1_000);

        assertRate(device.corrupted(), N, 5, "corrupted");
        List<Sent> sent = inner.sent();
        assertEquals(N, sent.size());
        long differing = 0;
        for (int i = 0; i < N; i++) {
            int bits = differingBits(numbered(i), sent.get(i).bytes());
            if (bits != 0) {
                differing++;
                assertEquals(1, bits, "frame " + i);
            }
        }
        assertEquals(device.corrupted(), differing);
    }

    private static int differingBits(byte[] a, byte[] b) {
        assertEquals(a.length, b.length);
        int bits = 0;
        for (int i = 0; i < a.length; i++) {
            bits += Integer.bitCount((a[i] ^ b[i]) & 0xFF);
        }
        return bits;
    }

    @Test
    void reordering_holds_its_share_back_until_a_later_frame_has_gone() {
        FaultInjectingDevice device = device(FaultConfig.builder(4).reorderPercent(5).reorderHoldNs(1_000_000_000L).build());

        sendNumbered(device, N, 1_000);
        drain(device);

        assertRate(device.reordered(), N, 5, "reordered");
        int[] order = inner.sent().stream().mapToInt(s -> indexOf(s.bytes())).toArray();
        assertArrayEquals(java.util.stream.IntStream.range(0, N).toArray(), Arrays.stream(order).sorted().toArray(),
            "every frame exactly once");
        int overtaken = 0;
        int highest = -1;
        for (int index : order) {
            if (index < highest) {
                overtaken++;
                assertTrue(highest - index <= 10, "frame " + index + " went after " + highest + ": only the next frames overtake");
            }
            highest = Math.max(highest, index);
        }
        // Every held frame is overtaken by the next frame sent, except at the very end (released by its timeout).
        assertTrue(device.reordered() - overtaken <= 3, device.reordered() + " held, " + overtaken + " overtaken");
    }

    // ---- determinism

    private static List<Sent> run(long seed) {
        try (TestDevice recorder = new TestDevice(1024, 2048, DeviceCapabilities.NONE)) {
            return run(recorder, seed);
        }
    }

    private static List<Sent> run(TestDevice recorder, long seed) {
        FaultInjectingDevice device = new FaultInjectingDevice(recorder, FaultConfig.builder(seed)
            .lossPercent(3).duplicatePercent(3).reorderPercent(3).corruptPercent(3)
            .delayNs(20_000).jitterNs(5_000).rate(1_000_000_000L, 32 * 1024).flaps(10_000_000, 100_000).build());
        sendNumbered(device, 20_000, 700);
        drain(device);
        return recorder.sent();
    }

    private static void assertSameSequence(List<Sent> a, List<Sent> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).bytes(), b.get(i).bytes(), "frame " + i);
            assertEquals(a.get(i).nowNs(), b.get(i).nowNs(), "time of frame " + i);
        }
    }

    @Test
    void the_same_seed_gives_the_same_frames_at_the_same_times() {
        List<Sent> first = run(42);
        List<Sent> second = run(42);
        List<Sent> other = run(43);

        assertSameSequence(first, second);
        assertNotEquals(first.stream().map(s -> s.nowNs() + ":" + Arrays.hashCode(s.bytes())).toList(),
            other.stream().map(s -> s.nowNs() + ":" + Arrays.hashCode(s.bytes())).toList());
    }

    // ---- corruption is detectable

    @Test
    void corrupted_frames_fail_checksum_verification_and_offloads_were_completed_on_clean_bytes() {
        FaultInjectingDevice device = device(FaultConfig.builder(5).corruptPercent(100).build());
        Packets p = Packets.packets();
        for (int i = 0; i < 2_000; i++) {
            p.seq = i * 1000;
            byte[] reference = p.tcp(payload(100 + i % 50, i));
            device.transmit(0, Packets.offloaded(device.pool(), reference, Packets.CHECKSUMS_TCP, 0), i);

            Sent sent = inner.sent().get(i);
            assertEquals(0, sent.txFlags(), "offloads completed before the wire");
            assertEquals(1, differingBits(reference, sent.bytes()), "one bit flipped against the checksummed frame");
            assertFalse(checksumsValid(sent.bytes()), "frame " + i + ": the flip is caught by a checksum");
        }
    }

    /** The receiving stack's verdict: IPv4 header checksum and TCP checksum over the pseudo-header. */
    private static boolean checksumsValid(byte[] frame) {
        UnsafeBuffer b = new UnsafeBuffer(frame);
        Ipv4Header ip = new Ipv4Header().wrap(b, 14);
        if (!ip.checksumValid()) {
            return false;
        }
        int l4 = Math.min(ip.totalLength(), frame.length - 14) - ip.headerLength();
        return Checksum.isValid(Checksum.add(Checksum.pseudoHeaderV4(ip.source(), ip.destination(), ip.protocol(), l4),
            Checksum.sum(b, 14 + ip.headerLength(), l4)));
    }

    // ---- timing in virtual time

    @Test
    void a_fixed_delay_releases_each_frame_exactly_on_time() {
        FaultInjectingDevice device = device(FaultConfig.builder(6).delayNs(1_000).build());

        device.transmit(0, Packets.frame(device.pool(), numbered(0)), 0);
        device.transmit(0, Packets.frame(device.pool(), numbered(1)), 10);
        device.transmit(0, Packets.frame(device.pool(), numbered(2)), 20);

        assertEquals(1_000, device.nextDeadlineNs());
        device.flush(0, 999);
        assertEquals(0, inner.sent().size(), "1 ns early: nothing");
        device.flush(0, 1_000);
        assertEquals(1, inner.sent().size());
        assertEquals(1_010, device.nextDeadlineNs());
        device.flush(0, 1_020);
        assertEquals(List.of(1_000L, 1_010L, 1_020L), inner.sent().stream().map(Sent::nowNs).toList());
        assertEquals(List.of(0, 1, 2), inner.sent().stream().map(s -> indexOf(s.bytes())).toList());
        assertEquals(3, device.delayed());
        assertEquals(Long.MAX_VALUE, device.nextDeadlineNs());
    }

    @Test
    void jitter_adds_a_uniform_delay_within_its_bound() {
        FaultInjectingDevice device = device(FaultConfig.builder(7).delayNs(10_000).jitterNs(4_000).build());

        sendNumbered(device, 20_000, 100_000); // far apart: jitter cannot reorder them
        drain(device);

        double sum = 0;
        for (Sent s : inner.sent()) {
            long delay = s.nowNs() - indexOf(s.bytes()) * 100_000L;
            assertTrue(delay >= 10_000 && delay <= 14_000, "delay " + delay);
            sum += delay;
        }
        assertEquals(12_000, sum / inner.sent().size(), 50);
    }

    @Test
    void the_rate_limit_serialises_frames_exactly_and_drops_at_the_tail_of_a_full_queue() {
        // 8 Mbit/s: one byte per microsecond, so a 100-byte frame takes 100 us. Queue: 250 bytes.
        FaultInjectingDevice device = device(FaultConfig.builder(8).rate(8_000_000, 250).build());

        for (int i = 0; i < 3; i++) {
            device.transmit(0, Packets.frame(device.pool(), numbered(i)), 0);
        }
        assertEquals(1, device.rateDropped(), "the third frame does not fit behind 200 queued bytes");
        assertEquals(100_000, device.nextDeadlineNs());
        device.flush(0, 99_999);
        assertEquals(0, inner.sent().size());
        device.transmit(0, Packets.frame(device.pool(), numbered(3)), 100_000); // frame 0 has left: room again
        device.flush(0, 300_000);

        assertEquals(List.of(100_000L, 200_000L, 300_000L), inner.sent().stream().map(Sent::nowNs).toList());
        assertEquals(List.of(0, 1, 3), inner.sent().stream().map(s -> indexOf(s.bytes())).toList());
        assertEquals(1, device.txDropped());
    }

    @Test
    void the_rate_limit_rounds_a_partial_nanosecond_up() {
        // 3 bit/ns: a 100-byte frame is 800 bits = 266.67 ns, sent at 267 ns.
        FaultInjectingDevice device = device(FaultConfig.builder(9).rate(3_000_000_000L, 10_000).build());

        device.transmit(0, Packets.frame(device.pool(), numbered(0)), 1_000);

        assertEquals(1_267, device.nextDeadlineNs());
    }

    @Test
    void link_flaps_drop_frames_while_down() {
        FaultInjectingDevice device = device(FaultConfig.builder(10).flaps(1_000, 100).build());

        sendNumbered(device, 200, 10); // times 0 .. 1990

        assertEquals(20, device.flapDropped());
        for (Sent s : inner.sent()) {
            assertTrue(s.nowNs() % 1_000 < 900, "sent while up: " + s.nowNs());
        }
        assertEquals(180, inner.sent().size());
    }

    @Test
    void a_reordered_frame_with_no_frame_after_it_leaves_at_its_hold_deadline() {
        FaultInjectingDevice device = device(FaultConfig.builder(11).reorderPercent(100).reorderHoldNs(500).build());

        device.transmit(0, Packets.frame(device.pool(), numbered(0)), 0);

        assertEquals(500, device.nextDeadlineNs());
        device.flush(0, 499);
        assertEquals(0, inner.sent().size());
        device.flush(0, device.nextDeadlineNs());
        assertEquals(1, inner.sent().size());
        assertEquals(500, inner.sent().get(0).nowNs());
    }

    @Test
    void held_frames_are_bounded_and_the_overflow_is_counted() {
        FaultInjectingDevice device = device(FaultConfig.builder(12).delayNs(1_000).maxHeldFrames(4).build());

        for (int i = 0; i < 6; i++) {
            device.transmit(0, Packets.frame(device.pool(), numbered(i)), 0);
        }

        assertEquals(2, device.heldOverflow());
        assertEquals(4, device.heldFrames());
        assertEquals(2, device.txDropped());
        device.flush(0, 1_000);
        assertEquals(4, inner.sent().size());
    }

    @Test
    void receive_and_transmit_also_release_what_is_due() {
        FaultInjectingDevice device = device(FaultConfig.builder(13).delayNs(100).build());
        device.transmit(0, Packets.frame(device.pool(), numbered(0)), 0);

        device.receive(0, new Frame[1], 1, 100);
        device.transmit(0, Packets.frame(device.pool(), numbered(1)), 150);

        assertEquals(1, inner.sent().size());
        assertEquals(100, inner.sent().get(0).nowNs());
    }

    @Test
    void tso_super_frames_are_cut_before_faults_and_without_faults_pass_untouched() {
        Packets p = Packets.packets();
        byte[] superSegment = p.tcp(payload(4000, 1));
        FaultInjectingDevice delayed = device(FaultConfig.builder(14).delayNs(10).build());
        delayed.transmit(0, Packets.offloaded(delayed.pool(), superSegment, Packets.TSO, 1448), 0);
        delayed.flush(0, 10);
        assertEquals(3, inner.sent().size());
        for (Sent s : inner.sent()) {
            assertEquals(0, s.txFlags());
            assertTrue(checksumsValid(s.bytes()));
        }

        FaultInjectingDevice clean = device(FaultConfig.NONE);
        clean.transmit(0, Packets.offloaded(clean.pool(), superSegment, Packets.TSO, 1448), 0);
        assertEquals(1, inner.sent().size());
        assertTrue((inner.sent().get(0).txFlags() & Frame.TX_TCP_SEGMENTATION) != 0, "left to the inner device");
    }

    @Test
    void close_releases_held_frames_then_closes_the_inner_device() {
        FaultInjectingDevice device = device(FaultConfig.builder(15).delayNs(1_000).build());
        device.transmit(0, Packets.frame(device.pool(), numbered(0)), 0);

        device.close();

        assertTrue(inner.closed());
        assertEquals(inner.pool().size(), inner.availableAtClose());
    }

    @Test
    void capabilities_and_pool_are_the_inner_devices() {
        FaultInjectingDevice device = device(FaultConfig.NONE);
        assertEquals(inner.capabilities(), device.capabilities());
        assertEquals(inner.pool(), device.pool());
    }
}
