package dev.bypass.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.addr.Endpoint;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The read-only ring figures of the socket API, and the end of a stream that arrives while the receive ring is full. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RingOccupancyTest {
    private static final Endpoint SERVER = Endpoint.parse("198.18.0.2:7");
    private final TwoHosts hosts = new TwoHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    @Test
    void ring_figures_follow_the_bytes_and_a_fin_behind_a_full_receive_ring_is_still_read() throws Exception {
        BypassServerSocketChannel server = hosts.server.openServerSocketChannel().bind(7, 16);
        assertEquals(0, server.acceptRingWaiting());
        assertTrue(server.acceptRingCapacity() >= 16, "accept ring holds the backlog: " + server.acceptRingCapacity());
        BypassSocketChannel client = hosts.client.openSocketChannel();
        assertEquals(BypassSockets.DEFAULT_RING_BYTES, client.receiveRingCapacity());
        assertEquals(0, client.sendRingUsed());
        assertTrue(client.connect(SERVER, 10_000));
        waitFor(() -> server.acceptRingWaiting() == 1);
        BypassSocketChannel accepted = server.accept();
        assertEquals(0, server.acceptRingWaiting());

        // Exactly one receive ring's worth, then the FIN: the ring fills up with the FIN still in TCP.
        int capacity = accepted.receiveRingCapacity();
        ByteBuffer data = ByteBuffer.allocate(capacity);
        for (int i = 0; i < capacity; i++) {
            data.put(i, (byte) (i * 31));
        }
        client.write(data);
        client.shutdownOutput();
        waitFor(() -> accepted.receiveRingUsed() == capacity);
        assertEquals(capacity, accepted.receiveRingUsed(), "the receive ring is full");
        assertTrue(hosts.server.commandRingCapacity(0) > 0);
        assertTrue(hosts.client.commandRingUsed(0) >= 0 && hosts.client.commandRingUsed(0) < hosts.client.commandRingCapacity(0));

        ByteBuffer in = ByteBuffer.allocate(capacity);
        long read = 0;
        int n;
        while ((n = accepted.read(in)) >= 0) { // blocking: hangs (and the timeout fails) if the FIN is never seen
            read += n;
            for (int i = 0; i < in.position(); i++) {
                assertEquals((byte) ((read - in.position() + i) * 31), in.get(i));
            }
            in.clear();
        }
        assertEquals(capacity, read);
        assertEquals(0, accepted.receiveRingUsed());
        accepted.close();
        client.close();
        server.close();
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }
}
