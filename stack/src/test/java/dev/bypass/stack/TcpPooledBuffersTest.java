package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.counters.Counter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Connections between two stacks take their buffer rings from the {@link TcpBufferPool} only while data flows:
 * idle connections hold none, drained buffers go back, and an exhausted pool slows transfers without losing
 * or reordering a byte.
 */
class TcpPooledBuffersTest {
    private static final int PORT = 7;

    /** {@code count} established connections: the client ends and the server ends, pair by pair. */
    private record Pairs(List<TcpConnection> clients, List<TcpConnection> servers) {
    }

    private static Pairs connect(TwoStacks net, int count) {
        TcpListener listener = net.server.tcp().listen(PORT, count);
        List<TcpConnection> clients = new ArrayList<>(count);
        List<TcpConnection> servers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            clients.add(net.client.tcp().connect(TwoStacks.SERVER_IP, PORT, 0));
            if (i % 256 == 255 || i == count - 1) {
                net.pump();
                for (TcpConnection c; (c = listener.accept()) != null; ) {
                    servers.add(c);
                }
            }
        }
        // A SYN or SYN-ACK dropped for want of a frame buffer in the burst is retransmitted.
        for (int round = 0; round < 20 && servers.size() < count; round++) {
            net.advanceToNextDeadline(2_000 * TwoStacks.MS);
            for (TcpConnection c; (c = listener.accept()) != null; ) {
                servers.add(c);
            }
        }
        assertEquals(count, servers.size());
        for (TcpConnection c : clients) {
            assertEquals(TcpState.ESTABLISHED, c.state());
        }
        // Accepted in handshake order, which is connect order here: pair them by port to be sure.
        servers.sort((a, b) -> Integer.compare(a.remoteEndpoint().port(), b.remoteEndpoint().port()));
        clients.sort((a, b) -> Integer.compare(a.localEndpoint().port(), b.localEndpoint().port()));
        return new Pairs(clients, servers);
    }

    @Test
    void ten_thousand_idle_connections_hold_no_rings_and_a_transfer_takes_and_returns_them() {
        TcpConfig tcp = TcpConfig.builder().maxConnections(12_000).listenBacklog(12_000).build();
        TwoStacks net = new TwoStacks(tcp, tcp);
        Pairs pairs = connect(net, 10_000);
        for (NetworkStack s : List.of(net.client, net.server)) {
            String name = s.config().name();
            assertEquals(10_000, s.tcp().connectionCount(), name);
            assertEquals(0, s.tcp().bufferBytesInUse(), name + " holds rings for idle connections");
            assertEquals(0, s.tcp().bufferBytesAllocated(), name);
            assertEquals(0, s.counters().get(Counter.TCP_BUFFER_POOL_BYTES_IN_USE), name);
            assertEquals(0, s.counters().get(Counter.TCP_BUFFER_POOL_TAKES), name);
        }

        // A request and a response on 100 of them, one after another: rings are taken and given back each time.
        UnsafeBuffer out = new UnsafeBuffer(new byte[64]);
        UnsafeBuffer in = new UnsafeBuffer(new byte[64]);
        for (int i = 0; i < 100; i++) {
            TcpConnection c = pairs.clients.get(i * 97);
            TcpConnection s = pairs.servers.get(i * 97);
            out.setMemory(0, 64, (byte) i);
            assertEquals(64, c.write(out, 0, 64));
            assertTrue(net.client.tcp().bufferBytesInUse() > 0, "the write took a send ring");
            net.pump();
            assertTrue(net.server.tcp().bufferBytesInUse() > 0, "the data took a receive ring");
            assertEquals(64, s.read(in, 0, 64));
            assertEquals((byte) i, in.getByte(63));
            assertEquals(64, s.write(in, 0, 64));
            net.pump();
            assertEquals(64, c.read(in, 0, 64));
            assertEquals((byte) i, in.getByte(0));
            net.advanceToNextDeadline(200 * TwoStacks.MS); // delayed ACKs, if any
        }
        for (NetworkStack s : List.of(net.client, net.server)) {
            String name = s.config().name();
            assertEquals(0, s.tcp().bufferBytesInUse(), name + " gives drained rings back");
            assertEquals(200, s.counters().get(Counter.TCP_BUFFER_POOL_TAKES), name + ": a send and a receive ring per exchange");
            assertEquals(200, s.counters().get(Counter.TCP_BUFFER_POOL_RETURNS), name);
            long oneEach = TcpConfig.oneConnectionBufferBytes(tcp.sendBufferBytes(), tcp.receiveBufferBytes());
            assertTrue(s.tcp().bufferBytesAllocated() <= oneEach,
                name + " reuses its rings: " + s.tcp().bufferBytesAllocated() + " bytes allocated");
        }
        // Closing every connection leaves nothing lent.
        for (int i = 0; i < 10_000; i++) {
            pairs.clients.get(i).close();
            pairs.servers.get(i).close();
        }
        net.pump();
        assertEquals(0, net.client.tcp().bufferBytesInUse());
        assertEquals(0, net.server.tcp().bufferBytesInUse());
    }

    @Test
    void transfers_through_an_exhausted_pool_complete_byte_exact() {
        int buffer = 16 * 1024;
        TcpConfig.Builder base = TcpConfig.builder().sendBufferBytes(buffer).receiveBufferBytes(buffer);
        long oneConnection = TcpConfig.oneConnectionBufferBytes(buffer, buffer);
        // Room for one connection's rings on each side, and five connections moving data at once each way.
        TcpConfig tcp = base.bufferPoolBytes(oneConnection).build();
        TwoStacks net = new TwoStacks(tcp, tcp);
        Pairs pairs = connect(net, 5);
        int size = 100_000;
        byte[][] sent = new byte[5][];
        ByteSink[] received = new ByteSink[5];
        int[] written = new int[5];
        Random random = new Random(7);
        int[] writableEvents = new int[1];
        for (int i = 0; i < 5; i++) {
            sent[i] = new byte[size];
            random.nextBytes(sent[i]);
            received[i] = new ByteSink();
            ByteSink sink = received[i];
            pairs.servers.get(i).handler(new TcpHandler() {
                @Override
                public void onReadable(TcpConnection connection) {
                    sink.drain(connection);
                }
            });
            pairs.clients.get(i).handler(new TcpHandler() {
                @Override
                public void onWritable(TcpConnection connection) {
                    writableEvents[0]++;
                }
            });
        }
        for (int round = 0; round < 100_000 && !allReceived(received, size); round++) {
            for (int i = 0; i < 5; i++) {
                if (written[i] < size) {
                    UnsafeBuffer src = new UnsafeBuffer(sent[i], written[i], size - written[i]);
                    written[i] += pairs.clients.get(i).write(src, 0, size - written[i]);
                }
            }
            net.pump();
            net.advanceToNextDeadline(1_000 * TwoStacks.MS);
        }
        for (int k = 0; k < 5; k++) {
            net.advanceToNextDeadline(1_000 * TwoStacks.MS); // the last delayed ACKs
        }
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(sent[i], received[i].bytes(), "connection " + i + " got its bytes in order");
        }
        assertTrue(net.client.counters().get(Counter.TCP_BUFFER_POOL_EXHAUSTED_SEND) > 0, net.client.counters().dumpNonZero());
        assertTrue(net.server.counters().get(Counter.TCP_BUFFER_POOL_EXHAUSTED_RECEIVE) > 0, net.server.counters().dumpNonZero());
        assertTrue(writableEvents[0] > 0, "writers that found the pool exhausted were woken");
        for (NetworkStack s : List.of(net.client, net.server)) {
            assertTrue(s.tcp().bufferBytesAllocated() <= oneConnection, s.config().name() + " stayed in its bound");
            assertEquals(0, s.tcp().bufferBytesInUse(), s.config().name() + " got every ring back");
        }
    }

    @Test
    void per_socket_buffer_sizes_get_rings_of_their_own_size() {
        TcpConfig tcp = TcpConfig.DEFAULT;
        TwoStacks net = new TwoStacks(tcp, tcp);
        TcpListener listener = net.server.tcp().listen(PORT);
        TcpConnection small = net.client.tcp().connect(TwoStacks.SERVER_IP, PORT, 0,
            tcp.toBuilder().sendBufferBytes(8192).build());
        TcpConnection plain = net.client.tcp().connect(TwoStacks.SERVER_IP, PORT, 0);
        net.pump();
        UnsafeBuffer data = new UnsafeBuffer(new byte[64]);
        assertEquals(64, small.write(data, 0, 64));
        assertEquals(64, plain.write(data, 0, 64));
        assertEquals(8192 + 256 * 1024, net.client.tcp().bufferBytesInUse());
        net.pump();
        TcpBufferPool pool = net.client.tcp().bufferPool();
        assertEquals(0, pool.bytesInUse(), "acknowledged: both rings went back");
        assertEquals(1, pool.freeRings(8192));
        assertEquals(1, pool.freeRings(256 * 1024));
        assertEquals(8192, small.sendBufferBytes(100_000), "SO_SNDBUF is still capped at the connection's ring");
        assertTrue(listener.accept() != null);
    }

    @Test
    void connect_transfer_close_cycles_reuse_the_same_rings() {
        TcpConfig tcp = TcpConfig.builder().timeWaitNs(TwoStacks.MS).build();
        TwoStacks net = new TwoStacks(tcp, tcp);
        TcpListener listener = net.server.tcp().listen(PORT);
        UnsafeBuffer data = new UnsafeBuffer(new byte[1000]);
        long allocatedAfterFirst = -1;
        for (int cycle = 0; cycle < 50; cycle++) {
            TcpConnection c = net.client.tcp().connect(TwoStacks.SERVER_IP, PORT, 0);
            net.pump();
            TcpConnection s = listener.accept();
            assertEquals(1000, c.write(data, 0, 1000));
            net.pump();
            assertEquals(1000, s.read(data, 0, 1000));
            assertEquals(1000, s.write(data, 0, 1000));
            net.pump();
            assertEquals(1000, c.read(data, 0, 1000));
            c.close();
            s.close();
            net.pump();
            net.advanceToNextDeadline(1_000 * TwoStacks.MS);
            net.advanceToNextDeadline(1_000 * TwoStacks.MS);
            long allocated = net.client.tcp().bufferBytesAllocated() + net.server.tcp().bufferBytesAllocated();
            if (cycle == 0) {
                allocatedAfterFirst = allocated;
            }
            assertEquals(allocatedAfterFirst, allocated, "cycle " + cycle + " allocated ring memory");
            assertEquals(0, net.client.tcp().bufferBytesInUse() + net.server.tcp().bufferBytesInUse());
        }
        assertTrue(allocatedAfterFirst > 0);
        assertEquals(0, net.client.tcp().connectionCount() + net.server.tcp().connectionCount(),
            "every connection ended (TIME-WAIT too)");
    }

    @Test
    void aborted_and_reset_connections_give_their_rings_back() {
        TcpConfig tcp = TcpConfig.DEFAULT;
        TwoStacks net = new TwoStacks(tcp, tcp.toBuilder().receiveBufferBytes(64 * 1024).build());
        TcpListener listener = net.server.tcp().listen(PORT);
        TcpConnection c = net.client.tcp().connect(TwoStacks.SERVER_IP, PORT, 0);
        net.pump();
        TcpConnection s = listener.accept();
        byte[] bulk = new byte[400_000];
        int written = c.write(new UnsafeBuffer(bulk), 0, bulk.length);
        assertTrue(written > 0);
        net.pump(); // the server reads nothing: its window fills, the client keeps unsent data
        assertTrue(net.client.tcp().bufferBytesInUse() > 0);
        assertTrue(net.server.tcp().bufferBytesInUse() > 0);
        c.abort();
        net.pump();
        assertEquals(0, net.client.tcp().bufferBytesInUse(), "the aborted connection gave its send ring back");
        assertEquals(TcpState.CLOSED, s.state());
        assertTrue(s.readableBytes() > 0, "unread data stays readable after the reset");
        assertTrue(net.server.tcp().bufferBytesInUse() > 0);
        s.close();
        net.pump();
        assertEquals(0, net.server.tcp().bufferBytesInUse(), "freeing the connection gave its receive ring back");
    }

    private static boolean allReceived(ByteSink[] sinks, int size) {
        for (ByteSink s : sinks) {
            if (s.length < size) {
                return false;
            }
        }
        return true;
    }

    /** What a server end read, in order. */
    private static final class ByteSink {
        private byte[] bytes = new byte[1024];
        private int length;
        private final UnsafeBuffer chunk = new UnsafeBuffer(new byte[8192]);

        void drain(TcpConnection c) {
            for (int n; (n = c.read(chunk, 0, chunk.capacity())) > 0; ) {
                if (length + n > bytes.length) {
                    bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, length + n));
                }
                chunk.getBytes(0, bytes, length, n);
                length += n;
            }
        }

        byte[] bytes() {
            return Arrays.copyOf(bytes, length);
        }
    }
}
