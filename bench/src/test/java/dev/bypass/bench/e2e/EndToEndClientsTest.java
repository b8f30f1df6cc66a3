package dev.bypass.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The end-to-end clients against the kernel's NIO server on loopback: they count and time what they should. */
class EndToEndClientsTest {
    private static final int ECHO = 47007;
    private static final int DISCARD = 47009;
    private NioServer server;
    private Thread thread;

    @BeforeEach
    void start() throws IOException {
        server = new NioServer("127.0.0.1", ECHO, DISCARD);
        thread = Thread.ofPlatform().daemon().start(() -> {
            try {
                server.serve();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        thread.join(5000);
    }

    @Test
    void closed_loop_records_one_sample_per_round_trip() throws IOException {
        Histogram h = new PingPongClient(new InetSocketAddress("127.0.0.1", ECHO), 64).run(50, 500, 0);
        assertEquals(500, h.getTotalCount());
        assertTrue(h.getMinValue() > 0 && h.getValueAtPercentile(50) <= h.getMaxValue());
        assertTrue(PingPongClient.summary(h).contains("(n=500)"), PingPongClient.summary(h));
    }

    @Test
    void open_loop_records_every_echo_of_a_multi_segment_message() throws IOException {
        // 16 KiB messages arrive in pieces: the client still counts one echo per message.
        Histogram h = new PingPongClient(new InetSocketAddress("127.0.0.1", ECHO), 16 * 1024).run(10, 200, 2000);
        assertEquals(200, h.getTotalCount());
    }

    @Test
    void bulk_delivers_and_times_the_whole_transfer() throws IOException {
        double seconds = BulkClient.send(new InetSocketAddress("127.0.0.1", DISCARD), 8L << 20);
        assertTrue(seconds > 0 && seconds < 30, "seconds " + seconds);
    }

    @Test
    void a_bad_message_size_is_refused_with_its_value() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new PingPongClient(new InetSocketAddress("127.0.0.1", ECHO), 0));
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
    }
}
