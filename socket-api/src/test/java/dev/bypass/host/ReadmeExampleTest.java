package dev.bypass.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpHandler;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.MacAddress;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The example of the README's "Using it from code", run as written, with a client on a second poll thread. */
class ReadmeExampleTest {
    @Test
    void the_readme_echo_server_echoes() throws Exception {
        // ---- as in the README
        InMemoryNetwork network = new InMemoryNetwork(2);
        NetworkStack stack = new NetworkStack(
            StackConfig.builder().name("server").address("198.18.0.2/24").build(),
            network.connect(InMemoryNicConfig.builder("server", MacAddress.local(2)).build()));
        PollLoop loop = PollLoop.start(stack, "server-poll");

        UnsafeBuffer buffer = new UnsafeBuffer(new byte[65536]);
        TcpHandler echo = new TcpHandler() {
            @Override public void onReadable(TcpConnection c) {
                int n;
                while ((n = c.read(buffer, 0, buffer.capacity())) > 0) {
                    c.write(buffer, 0, n);
                }
                if (n < 0) {
                    c.close();
                }
            }
        };
        loop.execute(() -> stack.tcp().listen(7).handler(listener -> {
            TcpConnection c;
            while ((c = listener.accept()) != null) {
                c.handler(echo);
            }
        }));
        // ---- a client
        NetworkStack clientStack = new NetworkStack(StackConfig.builder().name("client").address("198.18.0.1/24").build(),
            network.connect(InMemoryNicConfig.builder("client", MacAddress.local(1)).build()));
        try (loop; PollLoop client = PollLoop.start(clientStack, "client-poll")) {
            byte[] message = "hello, bypass".getBytes(StandardCharsets.US_ASCII);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            UnsafeBuffer in = new UnsafeBuffer(new byte[1024]);
            TcpConnection c = client.call(() -> clientStack.tcp().connect(Endpoint.parse("198.18.0.2:7")));
            client.call(() -> {
                c.handler(new TcpHandler() {
                    @Override public void onConnected(TcpConnection conn) {
                        conn.write(new UnsafeBuffer(message), 0, message.length);
                        conn.shutdownOutput();
                    }

                    @Override public void onReadable(TcpConnection conn) {
                        int n;
                        while ((n = conn.read(in, 0, in.capacity())) > 0) {
                            got.write(in.byteArray(), 0, n);
                        }
                    }
                });
                return null;
            });
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (client.call(() -> !c.peerClosed()) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(client.call(c::peerClosed), "the server closed after echoing; state " + client.call(c::state));
            assertArrayEquals(message, client.call(got::toByteArray));
            assertTrue(client.call(c::state) == TcpState.TIME_WAIT || client.call(c::state) == TcpState.FIN_WAIT_2
                || client.call(c::state) == TcpState.CLOSED);
        }
    }
}
