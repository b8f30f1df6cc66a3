package dev.bypass.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bypass.stack.addr.Endpoint;
import java.net.BindException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DatagramChannelTest {
    private final TwoHosts hosts = new TwoHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    @Test
    void datagrams_go_both_ways_whole_and_in_order() throws Exception {
        BypassDatagramChannel server = hosts.server.openDatagramChannel().bind(9000);
        BypassDatagramChannel client = hosts.client.openDatagramChannel().bind(0);
        Endpoint serverAddress = Endpoint.parse("198.18.0.2:9000");
        ByteBuffer in = ByteBuffer.allocate(2000);
        for (int i = 0; i < 200; i++) {
            byte[] data = new byte[1 + i * 7];
            java.util.Arrays.fill(data, (byte) i);
            assertEquals(data.length, client.send(ByteBuffer.wrap(data), serverAddress));
            Endpoint from = server.receive(in.clear());
            assertEquals(Endpoint.parse("198.18.0.1:" + client.localPort()), from);
            assertEquals(data.length, in.position());
            assertEquals((byte) i, in.get(0));
            assertEquals((byte) i, in.get(data.length - 1));
            server.send(in.flip(), from);
            in.clear();
            assertEquals(from.port(), client.localPort());
            assertEquals(serverAddress, client.receive(in));
            assertEquals(data.length, in.position());
        }
        server.configureBlocking(false);
        assertNull(server.receive(in.clear()));
        BindException e = assertThrows(BindException.class, () -> hosts.server.openDatagramChannel().bind(9000));
        assertEquals("UDP port 9000 is in use: UDP port 9000 is already in use on 198.18.0.2 (resource 0)",
            e.getMessage());
        client.close();
        server.close();
    }
}
