package dev.bypass.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.addr.Endpoint;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rings of a connection are taken from the {@link RingPool} when it first moves bytes and given back when it
 * is done on both sides: an idle connection holds none, a closed one's go back to the pool and the next
 * connection reuses them; a close while another thread reads gives them back only once the reader has left.
 * SO_SNDBUF and SO_RCVBUF size the rings and the connection's TCP buffers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LazyRingsTest {
    private static final Endpoint SERVER = Endpoint.parse("198.18.0.2:7");
    private TwoHosts hosts = new TwoHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    @Test
    void an_idle_connection_holds_no_ring_and_a_closed_one_gives_them_back_for_the_next() throws Exception {
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel().bind(7);
        BypassSocketChannel client = hosts.client.openSocketChannel();
        client.connect(SERVER);
        BypassSocketChannel accepted = listener.accept();
        assertEquals(0, hosts.client.ringsInUse() + hosts.server.ringsInUse(), "rings of an idle connection");
        assertEquals(BypassSockets.DEFAULT_RING_BYTES, (int) client.getOption(StandardSocketOptions.SO_SNDBUF));

        client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertEquals(1, hosts.client.ringsInUse(), "the first write took the send ring");
        assertEquals(BypassSockets.DEFAULT_RING_BYTES, hosts.client.ringBytesInUse());
        ByteBuffer in = ByteBuffer.allocate(8);
        assertEquals(3, accepted.read(in));
        assertEquals(1, hosts.server.ringsInUse(), "the first bytes took the receive ring");
        accepted.write(ByteBuffer.wrap(new byte[] {4}));
        assertEquals(1, client.read(in.clear()));
        assertEquals(2, hosts.client.ringsInUse());
        assertEquals(2, hosts.server.ringsInUse());
        assertEquals(4, hosts.client.ringsAllocated() + hosts.server.ringsAllocated());

        client.close();
        accepted.close();
        awaitTrue(() -> hosts.client.ringsInUse() == 0 && hosts.server.ringsInUse() == 0, "rings given back");
        assertEquals(2, hosts.client.ringsFree());
        assertEquals(2, hosts.server.ringsFree());

        // The next connection's rings come from the pool, emptied.
        BypassSocketChannel next = hosts.client.openSocketChannel();
        next.connect(SERVER);
        BypassSocketChannel nextAccepted = listener.accept();
        byte[] data = new byte[100_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                next.write(ByteBuffer.wrap(data));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        ByteBuffer all = ByteBuffer.allocate(data.length);
        while (all.hasRemaining()) {
            assertTrue(nextAccepted.read(all) > 0);
        }
        writer.join();
        for (int i = 0; i < data.length; i++) {
            assertEquals(data[i], all.get(i), "byte " + i);
        }
        assertEquals(4, hosts.client.ringsAllocated() + hosts.server.ringsAllocated(), "no ring allocated: reused");
        next.close();
        nextAccepted.close();
        listener.close();
        awaitTrue(() -> hosts.client.ringsInUse() == 0 && hosts.server.ringsInUse() == 0, "rings given back");
    }

    @Test
    void a_close_while_another_thread_reads_gives_the_rings_back_after_the_reader_left() throws Exception {
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel().bind(7);
        BypassSocketChannel client = hosts.client.openSocketChannel();
        client.connect(SERVER);
        BypassSocketChannel accepted = listener.accept();
        accepted.write(ByteBuffer.wrap(new byte[] {9}));
        assertEquals(1, client.read(ByteBuffer.allocate(1)));
        ConnectionSlot slot = client.slot();
        SpscByteRing receive = slot.receive;
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                client.read(ByteBuffer.allocate(1));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        awaitTrue(() -> slot.readWaiter == reader, "reader blocked");
        assertEquals(3, slot.holders(), "poll thread, channel and the reader hold the rings");
        client.close();
        reader.join();
        assertTrue(outcome.get() instanceof AsynchronousCloseException, String.valueOf(outcome.get()));
        awaitTrue(() -> slot.holders() == 0, "every holder let go");
        assertNull(slot.receive, "rings back in the pool");
        assertFalse(slot.hold(), "no read or write may begin once the rings are back");
        assertSame(receive, hosts.client.rings.take(BypassSockets.DEFAULT_RING_BYTES), "the ring is in the pool");
        accepted.close();
        listener.close();
    }

    @Test
    void so_sndbuf_and_so_rcvbuf_size_the_rings_and_the_tcp_buffers() throws Exception {
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel()
            .setOption(StandardSocketOptions.SO_SNDBUF, 3000).setOption(StandardSocketOptions.SO_RCVBUF, 5000).bind(7);
        BypassSocketChannel client = hosts.client.openSocketChannel()
            .setOption(StandardSocketOptions.SO_SNDBUF, 6000).setOption(StandardSocketOptions.SO_RCVBUF, 2000);
        client.connect(SERVER);
        BypassSocketChannel accepted = listener.accept();
        assertEquals(8192, (int) client.getOption(StandardSocketOptions.SO_SNDBUF), "rounded up to a power of two");
        assertEquals(2048, (int) client.getOption(StandardSocketOptions.SO_RCVBUF));
        assertEquals(4096, (int) accepted.getOption(StandardSocketOptions.SO_SNDBUF));
        assertEquals(6000, (int) hosts.clientLoop.call(() -> client.slot().connection.sendBufferBytes()));
        assertEquals(2000, (int) hosts.clientLoop.call(() -> client.slot().connection.receiveBufferBytes()));
        assertEquals(3000, (int) hosts.serverLoop.call(() -> accepted.slot().connection.sendBufferBytes()));
        assertEquals(5000, (int) hosts.serverLoop.call(() -> accepted.slot().connection.receiveBufferBytes()));
        // Sockets that set nothing keep the stack's TCP buffers.
        BypassSocketChannel plain = hosts.client.openSocketChannel();
        plain.connect(SERVER);
        assertEquals(TcpConfig.DEFAULT.sendBufferBytes(),
            (int) hosts.clientLoop.call(() -> plain.slot().connection.sendBufferBytes()));
        assertEquals("SO_SNDBUF of a server socket is fixed once it is bound (port 7): set it before bind",
            assertThrows(IllegalStateException.class,
                () -> listener.setOption(StandardSocketOptions.SO_SNDBUF, 1024)).getMessage());
        assertEquals("SO_RCVBUF must be 1..1 GiB, got 0", assertThrows(IllegalArgumentException.class,
            () -> hosts.server.openServerSocketChannel().setOption(StandardSocketOptions.SO_RCVBUF, 0)).getMessage());
        client.close();
        plain.close();
        accepted.close();
        listener.close();
    }

    @Test
    void the_pool_reuses_emptied_rings_keeps_a_bounded_free_list_and_names_bad_sizes() {
        RingPool pool = new RingPool(2 * (1024 + SpscByteRing.TRAILER_LENGTH));
        SpscByteRing a = pool.take(1000);
        assertEquals(1024, a.capacity(), "rounded up to a power of two");
        a.write(ByteBuffer.wrap(new byte[700]));
        a.read(ByteBuffer.allocate(500));
        SpscByteRing b = pool.take(1024);
        SpscByteRing c = pool.take(513);
        assertEquals(3, pool.inUse());
        assertEquals(3 * 1024, pool.bytesInUse());
        assertTrue(pool.give(a));
        assertTrue(pool.give(b));
        assertFalse(pool.give(c), "beyond the retained bytes: dropped for the GC");
        assertEquals(2, pool.free());
        assertEquals(0, pool.inUse());
        SpscByteRing again = pool.take(1024);
        assertTrue(again == a || again == b);
        assertEquals(0, again.readable(), "emptied");
        assertEquals(0, again.producerPosition());
        assertEquals(1024, again.write(ByteBuffer.wrap(new byte[2000])), "a whole ring of room");
        assertNotSame(again, pool.take(2048), "another size, another list");
        assertEquals(4, pool.allocated());
        assertEquals(5, pool.reserve(64, 5));
        assertEquals(5, pool.allocated() - 4);
        assertEquals("byte ring capacity must be 1..1 GiB, got 0",
            assertThrows(IllegalArgumentException.class, () -> pool.take(0)).getMessage());
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 10 s");
            }
            Thread.sleep(1);
        }
    }
}
