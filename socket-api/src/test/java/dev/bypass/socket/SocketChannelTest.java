package dev.bypass.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.addr.Endpoint;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Blocking channels between two stacks on real poll threads. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketChannelTest {
    private static final Endpoint SERVER = Endpoint.parse("198.18.0.2:7");
    private TwoHosts hosts = new TwoHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    private static byte pattern(long position) {
        return (byte) (position * 131 + (position >>> 9));
    }

    @Test
    void echo_of_64_MiB_is_byte_exact() throws Exception {
        long total = 64L * 1024 * 1024;
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel().bind(7);
        // Own threads: the common pool has one worker on two cores, and these block.
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        CompletableFuture<Long> echoed = CompletableFuture.supplyAsync(() -> {
            try (BypassSocketChannel c = listener.accept()) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(32 * 1024);
                long n = 0;
                while (c.read(buffer.clear()) >= 0) {
                    n += buffer.flip().remaining();
                    c.write(buffer);
                }
                c.shutdownOutput();
                return n;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, threads);
        BypassSocketChannel client = hosts.client.openSocketChannel();
        assertTrue(client.connect(SERVER));
        assertEquals(SERVER, client.remoteEndpoint());
        // Writer: heap buffers; reader: Agrona buffers over a direct one.
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            byte[] chunk = new byte[20_000];
            long sent = 0;
            try {
                while (sent < total) {
                    int len = (int) Math.min(chunk.length, total - sent);
                    for (int i = 0; i < len; i++) {
                        chunk[i] = pattern(sent + i);
                    }
                    assertEquals(len, client.write(ByteBuffer.wrap(chunk, 0, len)));
                    sent += len;
                }
                client.shutdownOutput();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, threads);
        UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(50_000));
        long received = 0;
        int n;
        while ((n = client.read(in, 0, in.capacity())) >= 0) {
            for (int i = 0; i < n; i++) {
                if (in.getByte(i) != pattern(received + i)) {
                    throw new AssertionError("byte " + (received + i) + " differs");
                }
            }
            received += n;
        }
        writer.get(60, TimeUnit.SECONDS);
        assertEquals(total, received);
        assertEquals(total, echoed.get(10, TimeUnit.SECONDS));
        threads.shutdown();
        client.close();
        listener.close();
        assertTrue(hosts.client.unparks() > 0, "blocked calls were woken by the poll thread");
    }

    @Test
    void a_slow_reader_holds_the_writer_back_and_loses_nothing() throws Exception {
        hosts.close();
        // Small rings and TCP buffers so the whole path fills quickly.
        hosts = new TwoHosts(TcpConfig.builder().sendBufferBytes(16 * 1024).receiveBufferBytes(16 * 1024).build(), 4096);
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel()
            .setOption(StandardSocketOptions.SO_RCVBUF, 4096).bind(7);
        BypassSocketChannel client = hosts.client.openSocketChannel().setOption(StandardSocketOptions.SO_SNDBUF, 4096);
        client.connect(SERVER);
        BypassSocketChannel accepted = listener.accept();
        client.configureBlocking(false);
        // Fill everything: send ring, TCP send buffer, the peer's TCP receive buffer and receive ring.
        byte[] data = new byte[1 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = pattern(i);
        }
        ByteBuffer out = ByteBuffer.wrap(data);
        long deadline = System.nanoTime() + 10_000_000_000L;
        int zeros = 0;
        while (zeros < 200 && System.nanoTime() < deadline) {
            zeros = client.write(out) == 0 ? zeros + 1 : 0;
            Thread.sleep(1);
        }
        int queued = out.position();
        assertTrue(queued < data.length, "the writer was held back");
        assertTrue(queued >= 4096 + 4096, "rings and TCP hold at least both rings: " + queued);
        assertEquals(0, client.write(out), "a full path takes nothing (non-blocking)");
        // Now read slowly: everything arrives, in order, and the writer goes on.
        ByteBuffer in = ByteBuffer.allocate(data.length);
        ByteBuffer small = ByteBuffer.allocate(1000);
        while (in.position() < data.length) {
            small.clear();
            int n = accepted.read(small);
            assertTrue(n > 0);
            in.put(small.flip());
            if (out.hasRemaining()) {
                client.write(out);
            }
        }
        for (int i = 0; i < data.length; i++) {
            if (in.get(i) != data[i]) {
                throw new AssertionError("byte " + i + " differs");
            }
        }
        client.close();
        accepted.close();
        listener.close();
    }

    @Test
    void close_from_another_thread_wakes_a_blocked_reader() throws Exception {
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel().bind(7);
        BypassSocketChannel client = hosts.client.openSocketChannel();
        client.connect(SERVER);
        BypassSocketChannel accepted = listener.accept();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                client.read(ByteBuffer.allocate(10));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reader.start();
        while (reader.getState() != Thread.State.WAITING) {
            Thread.sleep(1);
        }
        client.close();
        reader.join(5000);
        assertFalse(reader.isAlive());
        assertTrue(failure.get() instanceof AsynchronousCloseException, String.valueOf(failure.get()));
        assertEquals("socket to 198.18.0.2:7 closed by another thread during a read", failure.get().getMessage());
        // The peer sees the orderly close.
        assertEquals(-1, accepted.read(ByteBuffer.allocate(10)));
        accepted.close();
        listener.close();
    }

    @Test
    void misuse_gets_exceptions_that_name_the_problem() throws Exception {
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel();
        assertEquals("accept on a server socket that is not bound: call bind(port) first",
            assertThrows(NotYetBoundException.class, listener::accept).getMessage());
        listener.bind(7);
        assertEquals("server socket is already bound to port 7 (bind once per server socket)",
            assertThrows(AlreadyBoundException.class, () -> listener.bind(8)).getMessage());
        BindException inUse = assertThrows(BindException.class,
            () -> hosts.server.openServerSocketChannel().bind(7));
        assertEquals("port 7 is in use: TCP port 7 already has a listener on 198.18.0.2 (resource 0)",
            inUse.getMessage());

        BypassSocketChannel unconnected = hosts.client.openSocketChannel();
        assertEquals("read on a socket that is not connected: call connect first",
            assertThrows(NotYetConnectedException.class, () -> unconnected.read(ByteBuffer.allocate(1))).getMessage());
        assertEquals("write on a socket that is not connected: call connect first",
            assertThrows(NotYetConnectedException.class, () -> unconnected.write(ByteBuffer.allocate(1))).getMessage());

        ConnectException refused = assertThrows(ConnectException.class,
            () -> hosts.client.openSocketChannel().connect(Endpoint.parse("198.18.0.2:80")));
        assertEquals("connection refused by 198.18.0.2:80", refused.getMessage());

        BypassSocketChannel c = hosts.client.openSocketChannel();
        c.connect(SERVER);
        c.shutdownOutput();
        assertEquals("write after shutdownOutput on the socket to 198.18.0.2:7",
            assertThrows(ClosedChannelException.class, () -> c.write(ByteBuffer.allocate(1))).getMessage());
        c.close();
        assertEquals("write on a closed socket (to 198.18.0.2:7)",
            assertThrows(ClosedChannelException.class, () -> c.write(ByteBuffer.allocate(1))).getMessage());
        assertEquals("read on a closed socket (to 198.18.0.2:7)",
            assertThrows(ClosedChannelException.class, () -> c.read(ByteBuffer.allocate(1))).getMessage());
        IllegalStateException sndbuf = assertThrows(IllegalStateException.class, () -> {
            BypassSocketChannel d = hosts.client.openSocketChannel();
            d.connect(SERVER);
            d.setOption(StandardSocketOptions.SO_SNDBUF, 1024);
        });
        assertTrue(sndbuf.getMessage().startsWith("SO_SNDBUF sets the size of the socket's send ring"), sndbuf.getMessage());
        assertThrows(UnsupportedOperationException.class,
            () -> hosts.client.openSocketChannel().setOption(StandardSocketOptions.IP_TOS, 1));
        listener.close();
    }

    @Test
    void so_linger_0_resets_and_the_peer_reads_the_reset() throws Exception {
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel().bind(7);
        BypassSocketChannel client = hosts.client.openSocketChannel();
        client.connect(SERVER);
        BypassSocketChannel accepted = listener.accept();
        client.write(ByteBuffer.wrap("before the reset".getBytes()));
        ByteBuffer in = ByteBuffer.allocate(16);
        while (in.hasRemaining()) {
            accepted.read(in);
        }
        client.setOption(StandardSocketOptions.SO_LINGER, 0).close();
        java.net.SocketException e = assertThrows(java.net.SocketException.class, () -> {
            while (accepted.read(ByteBuffer.allocate(16)) >= 0) {
                Thread.onSpinWait();
            }
        });
        assertEquals("connection reset by peer (" + client.localEndpoint() + ")", e.getMessage());
        e = assertThrows(java.net.SocketException.class, () -> accepted.write(ByteBuffer.allocate(1)));
        assertEquals("connection reset by peer (" + client.localEndpoint() + ")", e.getMessage());
        accepted.close();
        listener.close();
    }

    @Test
    void connect_to_a_silent_address_times_out() throws Exception {
        BypassSocketChannel c = hosts.client.openSocketChannel();
        java.net.SocketTimeoutException e = assertThrows(java.net.SocketTimeoutException.class,
            () -> c.connect(Endpoint.parse("198.18.0.9:80"), 300));
        assertEquals("connect to 198.18.0.9:80 timed out after 300 ms", e.getMessage());
        assertFalse(c.isOpen());
    }

    @Test
    void non_blocking_accept_and_read_return_at_once() throws Exception {
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel().bind(7).configureBlocking(false);
        assertNull(listener.accept());
        BypassSocketChannel client = hosts.client.openSocketChannel().configureBlocking(false);
        assertFalse(client.connect(SERVER));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!client.finishConnect() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        BypassSocketChannel accepted;
        while ((accepted = listener.accept()) == null && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        accepted.configureBlocking(false);
        assertEquals(0, accepted.read(ByteBuffer.allocate(10)));
        assertEquals(5, client.write(ByteBuffer.wrap("hello".getBytes())));
        ByteBuffer in = ByteBuffer.allocate(10);
        while (in.position() < 5 && System.nanoTime() < deadline) {
            accepted.read(in);
        }
        assertEquals("hello", new String(in.array(), 0, 5));
        client.close();
        accepted.close();
        listener.close();
    }
}
