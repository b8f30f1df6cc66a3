package dev.bypass.apps;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.host.Simulation;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpError;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.MacAddress;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The apps between two stacks over an in-memory wire, in virtual time: exact bytes, no kernel needed. */
class AppsTest {
    private static final long MAX_VIRTUAL_NS = TimeUnit.SECONDS.toNanos(60);
    private static final String SERVER = "198.18.0.2";

    private final NetworkStack client;
    private final NetworkStack server;
    private final Simulation sim;

    AppsTest() {
        InMemoryNetwork network = new InMemoryNetwork(2);
        client = new NetworkStack(StackConfig.builder().name("client").address("198.18.0.1/24").secretSeed(1).build(),
            network.connect(InMemoryNicConfig.builder("client", MacAddress.local(1)).build()));
        server = new NetworkStack(StackConfig.builder().name("server").address(SERVER + "/24").secretSeed(2).build(),
            network.connect(InMemoryNicConfig.builder("server", MacAddress.local(2)).build()));
        sim = new Simulation(0).add(client).add(server);
    }

    @Test
    void pattern_is_a_function_of_the_offset_and_its_digest_matches_a_fill() {
        UnsafeBuffer a = new UnsafeBuffer(new byte[1000]);
        BytePattern.fill(a, 0, 12_345, 1000);
        for (int i = 0; i < 1000; i++) {
            assertEquals(BytePattern.at(12_345 + i), a.getByte(i));
        }
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", BytePattern.sha256Hex(0));
        byte[] all = new byte[100_000];
        BytePattern.fill(new UnsafeBuffer(all), 0, 0, all.length);
        assertEquals(sha256(all), BytePattern.sha256Hex(all.length));
    }

    @Test
    void echo_server_returns_one_mebibyte_byte_exact() {
        EchoServer echo = EchoServer.start(server, 7);
        TcpSender.Result r = run(TcpSender.start(client, Endpoint.of(SERVER, 7), ByteSource.pattern(1 << 20)));

        assertEquals(TcpError.NONE, r.error());
        assertEquals(1 << 20, r.receivedBytes());
        assertEquals(BytePattern.sha256Hex(1 << 20), r.receivedSha256());
        assertEquals(1 << 20, echo.echoedBytes());
        assertEquals(0, echo.activeConnections());
    }

    @Test
    void servers_finish_a_connection_the_client_resets_mid_transfer() {
        EchoServer echo = EchoServer.start(server, 7);
        HttpServer http = HttpServer.start(server, 80);
        TcpSender toEcho = TcpSender.start(client, Endpoint.of(SERVER, 7), ByteSource.pattern(10 << 20));
        TcpSender toHttp = TcpSender.start(client, Endpoint.of(SERVER, 80),
            ByteSource.of("GET /bytes/100000000 HTTP/1.1\r\n\r\n".getBytes(US_ASCII)));
        assertTrue(sim.runUntil(() -> toEcho.receivedBytes() > 1 << 20 && toHttp.receivedBytes() > 1 << 20,
            MAX_VIRTUAL_NS));

        toEcho.connection().abort(); // RST while the server has data to write
        toHttp.connection().abort();
        sim.runFor(TimeUnit.SECONDS.toNanos(1));

        assertEquals(0, echo.activeConnections());
        assertEquals(0, http.activeConnections());
        assertEquals(0, server.tcp().connectionCount(), server.counters()::dumpNonZero);
    }

    @Test
    void discard_server_counts_and_hashes_what_it_receives() throws Exception {
        DiscardServer sink = DiscardServer.start(server, 9);
        TcpSender sender = TcpSender.start(client, Endpoint.of(SERVER, 9), ByteSource.pattern(3_000_001));
        int localPort = sender.connection().localPort();
        TcpSender.Result r = run(sender);

        assertEquals(3_000_001, r.sentBytes());
        assertEquals(0, r.receivedBytes());
        DiscardServer.Transfer t = sink.awaitTransfer(Duration.ZERO);
        assertNotNull(t, "no transfer recorded");
        assertEquals(Endpoint.of("198.18.0.1", localPort), t.remote());
        assertEquals(3_000_001, t.bytes());
        assertEquals(BytePattern.sha256Hex(3_000_001), t.sha256());
        assertEquals(TcpError.NONE, t.error());
        assertEquals(3_000_001, sink.receivedBytes());
    }

    @Test
    void http_server_answers_pipelined_requests_in_order_and_closes_when_asked() {
        HttpServer http = HttpServer.start(server, 80);
        String requests = "GET /bytes/100000 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "\r\nGET /nope HTTP/1.1\r\nhost: x\r\n\r\n"
            + "HEAD /bytes/5 HTTP/1.1\r\n\r\n"
            + "GET / HTTP/1.1\r\nCONNECTION: Close\r\n\r\n"
            + "GET / HTTP/1.1\r\n\r\n"; // after "close": never answered
        TcpSender sender = TcpSender.start(client, Endpoint.of(SERVER, 80), ByteSource.of(requests.getBytes(US_ASCII)))
            .keepHead(200_000);
        TcpSender.Result r = run(sender);

        byte[] body = new byte[100_000];
        BytePattern.fill(new UnsafeBuffer(body), 0, 0, body.length);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(head("200 OK", "application/octet-stream", 100_000, ""));
        expected.writeBytes(body);
        expected.writeBytes(head("404 Not Found", "text/plain", 10, ""));
        expected.writeBytes("not found\n".getBytes(US_ASCII));
        expected.writeBytes(head("200 OK", "application/octet-stream", 5, ""));
        expected.writeBytes(head("200 OK", "text/plain", HttpServer.INDEX_TEXT.length(), "Connection: close\r\n"));
        expected.writeBytes(HttpServer.INDEX_TEXT.getBytes(US_ASCII));
        assertEquals(new String(expected.toByteArray(), US_ASCII).substring(0, 300),
            new String(r.receivedHead(), US_ASCII).substring(0, 300));
        assertArrayEquals(expected.toByteArray(), r.receivedHead());
        // The staged close: the last request was read and dropped, then both sides closed in order.
        assertEquals(TcpError.NONE, r.error());
        assertEquals(4, http.requests());
        assertEquals(1, http.notFound());
        assertEquals(100_000, http.bodyBytes());
    }

    @Test
    void a_request_arriving_one_byte_at_a_time_is_answered_once_complete() {
        HttpServer.start(server, 80);
        TcpConnection c = client.tcp().connect(Endpoint.of(SERVER, 80));
        c.noDelay(true);
        assertTrue(sim.runUntil(() -> c.state() == TcpState.ESTABLISHED, MAX_VIRTUAL_NS));
        byte[] request = "GET /bytes/3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".getBytes(US_ASCII);
        UnsafeBuffer in = new UnsafeBuffer(new byte[4096]);
        for (int i = 0; i < request.length; i++) {
            assertEquals(1, c.write(new UnsafeBuffer(request), i, 1));
            sim.runFor(TimeUnit.MILLISECONDS.toNanos(1));
            if (i < request.length - 1) {
                assertEquals(0, c.readableBytes(), "answered early, after byte " + i);
            }
        }
        // After 16 quick ACKs the server delays its ACKs (as Linux), so the last one-byte segments may wait
        // for the client's window: the answer comes within the delayed-ACK time, not at once.
        assertTrue(sim.runUntil(() -> c.readableBytes() > 0, TimeUnit.MILLISECONDS.toNanos(500)), "answered");
        sim.runFor(TimeUnit.MILLISECONDS.toNanos(100));
        int n = c.read(in, 0, in.capacity());
        byte[] expected = concat(head("200 OK", "application/octet-stream", 3, "Connection: keep-alive\r\n"),
            new byte[] {BytePattern.at(0), BytePattern.at(1), BytePattern.at(2)});
        assertArrayEquals(expected, Arrays.copyOf(in.byteArray(), n));
        assertEquals(TcpState.ESTABLISHED, c.state(), "HTTP/1.0 with keep-alive stays open");
    }

    @Test
    void bad_requests_are_answered_and_the_connection_closed() {
        HttpServer http = HttpServer.start(server, 80);
        assertEquals("HTTP/1.1 405 Method Not Allowed",
            statusLine(http, "POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"));
        assertEquals("HTTP/1.1 400 Bad Request", statusLine(http, "GET / HTTP/2.0\r\n\r\n"));
        assertEquals("HTTP/1.1 400 Bad Request", statusLine(http, "GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"));
        assertEquals("HTTP/1.1 400 Bad Request", statusLine(http, "GET / HTTP/1.1\r\nno colon\r\n\r\n"));
        assertEquals("HTTP/1.1 431 Request Header Fields Too Large",
            statusLine(http, "GET / HTTP/1.1\r\nX: " + "a".repeat(HttpServer.MAX_REQUEST_HEAD_BYTES) + "\r\n\r\n"));
        assertEquals(5, http.rejected());
        assertEquals(0, http.activeConnections());
    }

    private String statusLine(HttpServer http, String request) {
        TcpSender.Result r = run(TcpSender.start(client, Endpoint.of(SERVER, http.port()),
            ByteSource.of(request.getBytes(US_ASCII))).keepHead(300));
        String text = new String(r.receivedHead(), US_ASCII);
        assertTrue(text.contains("Connection: close\r\n"), text);
        return text.substring(0, text.indexOf("\r\n"));
    }

    private TcpSender.Result run(TcpSender sender) {
        boolean done = sim.runUntil(() -> sender.completion().isDone(), MAX_VIRTUAL_NS);
        assertTrue(done, () -> "sent " + sender.sentBytes() + ", received " + sender.receivedBytes() + "\n"
            + client.counters().dumpNonZero() + server.counters().dumpNonZero());
        return sender.completion().join();
    }

    private static byte[] head(String status, String type, long length, String extra) {
        return ("HTTP/1.1 " + status + "\r\nServer: bypass\r\nContent-Type: " + type + "\r\nContent-Length: " + length
            + "\r\n" + extra + "\r\n").getBytes(US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String sha256(byte[] data) {
        var sha = BytePattern.newSha256();
        return HexFormat.of().formatHex(sha.digest(data));
    }
}
