package dev.bypass.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.addr.Endpoint;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Non-blocking channels and selectors between two stacks on real poll threads. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SelectorTest {
    private static final Endpoint SERVER = Endpoint.parse("198.18.0.2:7");
    /** Small TCP buffers: 2,000 connection ends must fit in the test JVM's direct memory. */
    private final TwoHosts hosts = new TwoHosts(
        TcpConfig.builder().sendBufferBytes(16 * 1024).receiveBufferBytes(16 * 1024).build(), 4096);

    @AfterEach
    void close() {
        hosts.close();
    }

    /** A selector-driven echo server on its own thread: accepts, reads, writes back what it read. */
    private Thread echoServer(BypassServerSocketChannel listener, BypassSelector selector, AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
            try {
                listener.register(selector, BypassSelectionKey.OP_ACCEPT, null);
                while (selector.isOpen()) {
                    selector.select(100);
                    Iterator<BypassSelectionKey> it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        BypassSelectionKey k = it.next();
                        it.remove();
                        if (k.isAcceptable()) {
                            BypassSocketChannel c;
                            while ((c = listener.accept()) != null) {
                                c.configureBlocking(false).register(selector, BypassSelectionKey.OP_READ, null);
                            }
                        } else if (k.isReadable()) {
                            BypassSocketChannel c = (BypassSocketChannel) k.channel();
                            int n = c.read(buffer.clear());
                            if (n < 0) {
                                c.close();
                            } else if (n > 0) {
                                buffer.flip();
                                c.write(buffer); // small messages: the send ring takes them whole
                                if (buffer.hasRemaining()) {
                                    throw new AssertionError("echo short write");
                                }
                            }
                        }
                    }
                }
            } catch (java.nio.channels.ClosedSelectorException done) {
                return;
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "echo-server");
        t.start();
        return t;
    }

    @Test
    void a_thousand_non_blocking_connections_on_one_selector_each_echo_their_message() throws Exception {
        int connections = 1000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel()
            .setOption(StandardSocketOptions.SO_RCVBUF, 4096).setOption(StandardSocketOptions.SO_SNDBUF, 4096)
            .bind(7, 1024).configureBlocking(false);
        BypassSelector serverSelector = hosts.server.openSelector();
        Thread server = echoServer(listener, serverSelector, failure);

        BypassSelector selector = hosts.client.openSelector();
        List<BypassSocketChannel> clients = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            BypassSocketChannel c = hosts.client.openSocketChannel().configureBlocking(false)
                .setOption(StandardSocketOptions.SO_RCVBUF, 4096).setOption(StandardSocketOptions.SO_SNDBUF, 4096);
            c.register(selector, BypassSelectionKey.OP_CONNECT, i);
            c.connect(SERVER);
            clients.add(c);
        }
        int[] received = new int[connections];
        int done = 0;
        ByteBuffer in = ByteBuffer.allocate(64);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (done < connections && System.nanoTime() < deadline && failure.get() == null) {
            selector.select(100);
            Iterator<BypassSelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                BypassSelectionKey k = it.next();
                it.remove();
                BypassSocketChannel c = (BypassSocketChannel) k.channel();
                int i = (Integer) k.attachment();
                if (k.isConnectable()) {
                    assertTrue(c.finishConnect());
                    assertEquals(message(i).remaining(), c.write(message(i)));
                    k.interestOps(BypassSelectionKey.OP_READ);
                } else if (k.isReadable()) {
                    int n = c.read(in.clear());
                    for (int b = 0; b < n; b++) {
                        assertEquals(message(i).get(received[i] + b), in.get(b), "connection " + i);
                    }
                    received[i] += n;
                    if (received[i] == message(i).remaining()) {
                        done++;
                        k.cancel();
                    }
                }
            }
        }
        assertEquals(null, failure.get());
        assertEquals(connections, done, "connections echoed");
        for (BypassSocketChannel c : clients) {
            c.close();
        }
        serverSelector.close();
        server.join(5000);
        listener.close();
    }

    private static ByteBuffer message(int i) {
        return ByteBuffer.wrap(("hello from connection " + i).getBytes());
    }

    /**
     * 100,000 idle channels registered with the selector cost a select nothing: it reads only ready-ring entries
     * (one per readiness signal) and looks again only at keys that were ready. The counts are asserted, not time.
     */
    @Test
    void select_cost_does_not_grow_with_100_000_idle_registered_sockets() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel().bind(7).configureBlocking(false);
        BypassSelector serverSelector = hosts.server.openSelector();
        Thread server = echoServer(listener, serverSelector, failure);

        BypassSelector selector = hosts.client.openSelector(200_000);
        List<BypassSocketChannel> idle = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            BypassSocketChannel c = hosts.client.openSocketChannel().configureBlocking(false);
            c.register(selector, BypassSelectionKey.OP_READ, null);
            idle.add(c);
        }
        assertEquals(100_000, selector.keyCount());
        assertEquals(0, selector.selectNow());
        assertEquals(0, selector.keysExamined(), "no idle key looked at");

        int active = 10;
        int rounds = 100;
        List<BypassSocketChannel> clients = new ArrayList<>();
        for (int i = 0; i < active; i++) {
            BypassSocketChannel c = hosts.client.openSocketChannel();
            c.connect(SERVER);
            c.configureBlocking(false).register(selector, BypassSelectionKey.OP_READ, null);
            clients.add(c);
        }
        long entriesBefore = selector.ringEntriesRead();
        long examinedBefore = selector.keysExamined();
        long selects = 0;
        ByteBuffer in = ByteBuffer.allocate(64);
        for (int round = 0; round < rounds; round++) {
            for (BypassSocketChannel c : clients) {
                c.write(ByteBuffer.wrap(new byte[] {(byte) round, 1, 2, 3}));
            }
            int got = 0;
            while (got < active * 4) {
                selector.select(1000);
                selects++;
                Iterator<BypassSelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    BypassSelectionKey k = it.next();
                    it.remove();
                    int n = ((BypassSocketChannel) k.channel()).read(in.clear());
                    for (int b = 0; b < n; b++) {
                        if (in.get(b) == (byte) round) {
                            continue;
                        }
                        assertTrue(in.get(b) >= 1 && in.get(b) <= 3);
                    }
                    got += n;
                }
            }
            assertEquals(active * 4, got);
        }
        long entries = selector.ringEntriesRead() - entriesBefore;
        long examined = selector.keysExamined() - examinedBefore;
        System.out.printf("100,000 idle + %d active keys: %d selects read %d ring entries and examined %d keys"
            + " (%.2f per select); bridge signals %d%n", active, selects, entries, examined,
            (double) examined / selects, hosts.client.selectorSignals());
        // Each round the 10 active keys get signalled and looked at, a few times at most; never the idle ones.
        assertTrue(examined <= 4L * active * rounds, "examined " + examined);
        assertTrue(entries <= 4L * active * rounds, "ring entries " + entries);
        assertEquals(null, failure.get());
        for (BypassSocketChannel c : clients) {
            c.close();
        }
        for (BypassSocketChannel c : idle) {
            c.close();
        }
        assertEquals(0, selector.keyCount(), "closing a channel cancels its key");
        serverSelector.close();
        server.join(5000);
        listener.close();
    }
}
