package dev.bypass.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.addr.Endpoint;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bridge serves active connections only: idle open connections cost its duty cycles nothing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BridgeCostTest {
    private final TwoHosts hosts = new TwoHosts(
        TcpConfig.builder().sendBufferBytes(16 * 1024).receiveBufferBytes(16 * 1024).build(), 4096);

    @AfterEach
    void close() {
        hosts.close();
    }

    @Test
    void five_hundred_idle_connections_do_not_add_to_the_work_of_one_busy_one() throws Exception {
        BypassServerSocketChannel listener = hosts.server.openServerSocketChannel()
            .setOption(StandardSocketOptions.SO_RCVBUF, 4096).setOption(StandardSocketOptions.SO_SNDBUF, 4096)
            .bind(7, 1024);
        List<BypassSocketChannel> idle = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            BypassSocketChannel c = hosts.client.openSocketChannel()
                .setOption(StandardSocketOptions.SO_RCVBUF, 4096).setOption(StandardSocketOptions.SO_SNDBUF, 4096);
            c.connect(Endpoint.parse("198.18.0.2:7"));
            idle.add(c);
            idle.add(listener.accept());
        }
        BypassSocketChannel busy = hosts.client.openSocketChannel();
        busy.connect(Endpoint.parse("198.18.0.2:7"));
        BypassSocketChannel peer = listener.accept();
        Thread.sleep(200); // the handshakes' last events settle
        long servedBefore = hosts.server.connectionsServed() + hosts.client.connectionsServed();
        int rounds = 200;
        ByteBuffer one = ByteBuffer.allocate(1);
        for (int i = 0; i < rounds; i++) {
            busy.write(one.clear());
            peer.read(one.clear());
            peer.write(one.flip());
            busy.read(one.clear());
        }
        long served = hosts.server.connectionsServed() + hosts.client.connectionsServed() - servedBefore;
        System.out.printf("%d round trips on 1 busy connection beside 500 idle ones: %d connection turns served%n",
            rounds, served);
        // Each round trip: a write and a read on both ends, each a turn or two (doorbell, TCP callback, ACK).
        assertTrue(served <= 8L * rounds, "turns served " + served + " (500 idle connections would add 500 per cycle)");
        assertEquals(501, hosts.client.openConnections(), "all open");
        assertEquals(501, hosts.server.openConnections(), "all open");
        for (BypassSocketChannel c : idle) {
            c.close();
        }
        busy.close();
        peer.close();
        listener.close();
    }
}
