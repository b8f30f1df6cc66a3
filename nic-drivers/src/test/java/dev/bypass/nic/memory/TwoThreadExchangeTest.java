package dev.bypass.nic.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.bypass.nic.testing.Packets;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.Frame;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Two NICs, each polled by its own thread, send each other a million frames at once. The sender paces
 * itself on how many frames the peer has taken (backpressure), so the rings are never overrun: then
 * nothing may be lost, duplicated, reordered or corrupted.
 */
class TwoThreadExchangeTest {
    private static final int FRAMES_EACH_WAY = 1_000_000;
    /** Frames in flight per direction: 512 records of 112 bytes, far below the 1 MiB ring. */
    private static final int WINDOW = 512;
    private static final int BURST = 32;
    private static final int PAYLOAD_BYTES = 58; // with UDP/IPv4/Ethernet headers: a 100-byte frame
    private static final int SEQUENCE_AT = Packets.ETHERNET + Packets.IPV4 + Packets.UDP;

    @Test
    void two_poll_threads_exchange_a_million_frames_each_way_without_loss_or_corruption() throws Exception {
        InMemoryNetwork network = new InMemoryNetwork(2);
        MacAddress macA = MacAddress.local(0xA);
        MacAddress macB = MacAddress.local(0xB);
        try (InMemoryNic a = network.connect(InMemoryNicConfig.builder("a", macA).build());
             InMemoryNic b = network.connect(InMemoryNicConfig.builder("b", macB).build())) {
            Host hostA = new Host(a, macA.bits(), macB.bits());
            Host hostB = new Host(b, macB.bits(), macA.bits());
            hostA.peer = hostB;
            hostB.peer = hostA;
            Thread threadA = Thread.ofPlatform().name("poll-a").start(hostA);
            Thread threadB = Thread.ofPlatform().name("poll-b").start(hostB);
            threadA.join(TimeUnit.MINUTES.toMillis(2));
            threadB.join(TimeUnit.MINUTES.toMillis(2));
            hostA.stop = true;
            hostB.stop = true;

            assertNull(hostA.failure.get(), "thread a");
            assertNull(hostB.failure.get(), "thread b");
            assertFalse(threadA.isAlive() || threadB.isAlive(), "finished in time");
            for (Host host : new Host[] {hostA, hostB}) {
                assertEquals(FRAMES_EACH_WAY, host.received.get(), host.nic.name() + " received");
                assertEquals(FRAMES_EACH_WAY, host.nic.txFrames(), host.nic.name() + " sent");
                assertEquals(0, host.nic.rxDropped(), host.nic.name() + " rx dropped");
                assertEquals(0, host.nic.txDropped(), host.nic.name() + " tx dropped");
                assertEquals(host.nic.pool().size(), host.nic.pool().available(), host.nic.name() + " pool");
            }
        }
    }

    /** One poll thread: sends numbered frames within the window, checks every frame it receives. */
    private static final class Host implements Runnable {
        final InMemoryNic nic;
        final byte[] template;
        final AtomicLong received = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile Host peer;
        volatile boolean stop;

        Host(InMemoryNic nic, long mac, long peerMac) {
            this.nic = nic;
            this.template = Packets.between(mac, peerMac).udp(new byte[PAYLOAD_BYTES]);
        }

        @Override
        public void run() {
            try {
                exchange();
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        private void exchange() {
            Frame[] burst = new Frame[BURST];
            long sent = 0;
            long taken = 0;
            while (!stop && (sent < FRAMES_EACH_WAY || taken < FRAMES_EACH_WAY)) {
                int room = (int) Math.min(BURST, Math.min(FRAMES_EACH_WAY - sent, WINDOW - (sent - peer.received.get())));
                for (int i = 0; i < room; i++) {
                    Frame f = nic.pool().allocate();
                    f.buffer().putBytes(f.offset(), template);
                    f.length(template.length);
                    fill(f, sent++);
                    nic.transmit(0, f, 0);
                }
                nic.flush(0, 0);
                int n = nic.receive(0, burst, BURST, 0);
                for (int i = 0; i < n; i++) {
                    check(burst[i], taken++);
                    burst[i].release();
                    burst[i] = null;
                }
                if (n > 0) {
                    received.lazySet(taken);
                }
                if (room <= 0 && n == 0) {
                    Thread.onSpinWait();
                }
            }
        }

        /** Sequence number, then bytes derived from it, so any wrong byte or order is seen. */
        private static void fill(Frame f, long sequence) {
            int at = f.offset() + SEQUENCE_AT;
            f.buffer().putLong(at, sequence);
            for (int i = 8; i < PAYLOAD_BYTES; i++) {
                f.buffer().putByte(at + i, (byte) (sequence * 31 + i));
            }
        }

        private void check(Frame f, long expected) {
            if (f.length() != template.length) {
                throw new AssertionError(nic.name() + ": frame " + expected + " is " + f.length() + " bytes");
            }
            int at = f.offset() + SEQUENCE_AT;
            long sequence = f.buffer().getLong(at);
            if (sequence != expected) {
                throw new AssertionError(nic.name() + ": expected frame " + expected + ", got " + sequence);
            }
            for (int i = 8; i < PAYLOAD_BYTES; i++) {
                if (f.buffer().getByte(at + i) != (byte) (sequence * 31 + i)) {
                    throw new AssertionError(nic.name() + ": frame " + sequence + " corrupted at payload byte " + i);
                }
            }
            for (int i = 0; i < SEQUENCE_AT; i++) {
                if (f.buffer().getByte(f.offset() + i) != peer.template[i]) {
                    throw new AssertionError(nic.name() + ": frame " + sequence + " header corrupted at byte " + i);
                }
            }
        }
    }
}
