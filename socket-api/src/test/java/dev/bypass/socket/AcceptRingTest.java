package dev.bypass.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.addr.Endpoint;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The accept ring's back-pressure: a full ring leaves connections in the stack's listener, none is lost. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AcceptRingTest {
    private final TwoHosts hosts = new TwoHosts(
        TcpConfig.builder().sendBufferBytes(16 * 1024).receiveBufferBytes(16 * 1024).build(), 4096);

    @AfterEach
    void close() {
        hosts.close();
    }

    @Test
    void connections_beyond_a_full_accept_ring_wait_and_are_all_accepted() throws Exception {
        // The accept ring of a backlog-64 listener holds 63 ids; the 57 others wait established in the stack's
        // listener (within its backlog, so no SYN is dropped) until the accepting thread makes room.
        int connections = 120;
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel()
            .setOption(StandardSocketOptions.SO_RCVBUF, 4096).setOption(StandardSocketOptions.SO_SNDBUF, 4096)
            .bind(7, 64);
        List<BypassSocketChannel> clients = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            BypassSocketChannel c = hosts.client.openSocketChannel().configureBlocking(false)
                .setOption(StandardSocketOptions.SO_RCVBUF, 4096).setOption(StandardSocketOptions.SO_SNDBUF, 4096);
            c.connect(Endpoint.parse("198.18.0.2:7"));
            clients.add(c);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        int established = 0;
        while (established < connections && System.nanoTime() < deadline) {
            established = 0;
            for (BypassSocketChannel c : clients) {
                established += c.finishConnect() ? 1 : 0;
            }
        }
        assertEquals(connections, established, "every handshake completed: none waits for a SYN retry");
        Thread.sleep(50);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < connections; i++) {
            BypassSocketChannel a = listener.accept(); // blocking: the rest come as the ring drains
            assertTrue(ports.add(a.remoteEndpoint().port()), "each connection once");
            a.close();
        }
        assertEquals(connections, ports.size());
        for (BypassSocketChannel c : clients) {
            c.close();
        }
        listener.close();
    }
}
