package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.testing.Packets;
import dev.bypass.testing.Parsed;
import dev.bypass.testing.TestDevice;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The send and receive buffers of an open connection, set as Linux's SO_SNDBUF and SO_RCVBUF set them:
 * {@link TcpConnection#sendBufferBytes(int)} and {@link TcpConnection#receiveBufferBytes(int)}.
 */
class TcpBufferLimitTest {
    /** Without super-segments a write's pieces are one segment each: 1460 bytes of MSS less 12 of timestamps. */
    private static final int SEGMENT = 1448;

    private final TcpFixture f = new TcpFixture(TcpConfig.builder().tso(false).build());
    private int writableEvents;

    private TcpConnection establishedWithHandler() {
        TcpConnection c = f.established();
        c.handler(new TcpHandler() {
            @Override
            public void onWritable(TcpConnection connection) {
                writableEvents++;
            }
        });
        return c;
    }

    @Test
    void a_write_starts_new_pieces_only_below_the_send_buffer_limit() {
        TcpConnection c = f.established();
        assertEquals(10_000, c.sendBufferBytes(10_000));
        assertEquals(10_000, c.sendBufferBytes());
        // Pieces start at 0, 1448, ... 8688 bytes queued: the seventh is the last that starts below 10000.
        assertEquals(7 * SEGMENT, f.write(c, Packets.pattern(100_000, 1)));
        assertEquals(0, c.writableBytes());
        assertFalse(c.writable());
        assertEquals(0, f.write(c, Packets.pattern(100, 2)), "the queue is at the limit");
    }

    @Test
    void a_stopped_writer_hears_of_room_once_the_free_space_is_half_of_what_is_queued() {
        TcpConnection c = establishedWithHandler();
        c.sendBufferBytes(10_000);
        assertEquals(7 * SEGMENT, f.write(c, Packets.pattern(100_000, 1)));
        f.poll();
        assertEquals(7, f.recvAll().size(), "every piece went out as it completed (Linux tcp_push_one)");
        // Two segments acknowledged: 7240 bytes queued, 2760 free, less than half of them: no wake-up yet.
        f.send(f.seg().ack(f.ourSeq + 2 * SEGMENT));
        assertFalse(c.writable());
        assertEquals(0, writableEvents);
        // Three: 5792 queued, 4208 free.
        f.send(f.seg().ack(f.ourSeq + 3 * SEGMENT));
        assertTrue(c.writable());
        assertEquals(1, writableEvents);
        assertEquals(256 * 1024 - 4 * SEGMENT, c.writableBytes(), "an upper bound: the room in the ring");
    }

    @Test
    void a_write_fills_the_unsent_rest_of_a_piece_sent_at_once_before_the_limit_stops_it() {
        // A TSO device: the size goal is half the peer's 65536-byte window in whole segments, 22 of them.
        DeviceCapabilities tso = new DeviceCapabilities(1, 1, DeviceCapabilities.OFFLOAD_TSO, 65536);
        TcpFixture g = new TcpFixture(TcpConfig.DEFAULT, tso);
        TcpConnection c = g.established();
        int goal = 22 * SEGMENT;
        int burst = 5 * SEGMENT; // half the initial window of 10 segments per super-segment
        c.sendBufferBytes(40_000);
        // The first piece goes out as one burst (tcp_push_one); its unsent rest takes more of the write
        // up to a piece again, which completes more than half the window since the first byte: a forced
        // push sends a second burst; the rest is filled up once more. The next piece would start at
        // 2 * 7240 + 31856 = 46336 bytes queued, past the limit: the write stops there.
        assertEquals(2 * burst + goal, g.write(c, Packets.pattern(200_000, 3)));
        List<TestDevice.Sent> sent = g.device.takeSent();
        assertEquals(2, sent.size(), "two bursts left inside the write");
        assertEquals(burst, tcpPayloadLength(sent.get(0)));
        assertEquals(burst, tcpPayloadLength(sent.get(1)));
    }

    @Test
    void lowering_the_limit_below_what_is_queued_loses_nothing_and_stops_writes() {
        TcpConnection c = f.established();
        byte[] data = Packets.pattern(20 * SEGMENT, 4);
        assertEquals(data.length, f.write(c, data));
        assertEquals(4000, c.sendBufferBytes(4000));
        assertEquals(0, f.write(c, Packets.pattern(100, 5)), "no new piece above the limit");
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        for (int round = 0; round < 10 && received.size() < data.length; round++) {
            f.poll();
            for (Parsed p : f.recvAll()) {
                received.writeBytes(p.payload);
            }
            f.send(f.seg().ack(f.ourSeq + received.size()));
        }
        assertArrayEquals(data, received.toByteArray(), "everything queued before the limit fell is delivered");
        // An empty queue takes pieces again until the new limit: 0, 1448 and 2896 bytes queued start one.
        assertEquals(3 * SEGMENT, f.write(c, Packets.pattern(10_000, 6)));
    }

    @Test
    void raising_the_limit_wakes_a_stopped_writer() {
        TcpConnection c = establishedWithHandler();
        c.sendBufferBytes(3000);
        assertEquals(3 * SEGMENT, f.write(c, Packets.pattern(100_000, 7)));
        f.poll();
        assertEquals(0, writableEvents);
        c.sendBufferBytes(100_000);
        f.poll();
        assertEquals(1, writableEvents, "Linux's SO_SNDBUF calls sk_write_space");
    }

    @Test
    void the_send_buffer_is_capped_at_its_opening_size_and_must_be_positive() {
        TcpConnection c = f.established();
        assertEquals(256 * 1024, c.sendBufferBytes(1 << 30));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.sendBufferBytes(0));
        assertEquals("SO_SNDBUF (send buffer) must be 1..262144 bytes, got 0", e.getMessage());
        assertEquals(256 * 1024, c.sendBufferBytes());
    }

    @Test
    void a_smaller_receive_buffer_never_moves_the_window_edge_left() {
        TcpFixture g = new TcpFixture(TcpConfig.builder().receiveBufferBytes(60_000).windowScaling(false)
            .delayedAck(false).build());
        TcpConnection c = g.established();
        for (int i = 0; i < 10; i++) {
            g.sendData(Packets.pattern(1000, i));
            g.recv();
        }
        assertEquals(20_000, c.receiveBufferBytes(20_000));
        assertEquals(20_000, c.receiveBufferBytes());
        int edge = g.peerSeq + 50_000; // 60000 offered, 10000 received
        int received = 10_000;
        while (received < 60_000) {
            g.sendData(Packets.pattern(1000, received));
            received += 1000;
            Parsed ack = g.recv();
            assertEquals(g.peerSeq, ack.tcp.ack);
            assertEquals(edge, ack.tcp.ack + ack.tcp.window, "the right edge stays where it was offered");
            if (received == 30_000) {
                assertEquals(30_000, g.read(c, 100_000).length); // reading frees the old buffer, not a wider window
                g.poll();
                g.recvNothing();
            }
        }
        assertEquals(30_000, g.read(c, 100_000).length);
        g.poll();
        Parsed update = g.recv();
        assertEquals(20_000, update.tcp.window, "the window now offers the smaller buffer");
    }

    @Test
    void a_larger_receive_buffer_opens_the_window_up_to_the_opening_size() {
        TcpFixture g = new TcpFixture(TcpConfig.builder().receiveBufferBytes(60_000).windowScaling(false)
            .delayedAck(false).build());
        TcpConnection c = g.established();
        c.receiveBufferBytes(2000);
        for (int i = 0; i < 60; i++) {
            g.sendData(Packets.pattern(1000, i)); // fill the 60000 bytes offered at open
            g.recv();
        }
        assertEquals(60_000, g.read(c, 100_000).length);
        g.poll();
        assertEquals(2000, g.recv().tcp.window, "the window update offers the smaller buffer");
        assertEquals(60_000, c.receiveBufferBytes(1 << 20), "at most the buffer the connection opened with");
        g.sendData(Packets.pattern(1000, 99));
        assertEquals(59_000, g.recv().tcp.window);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.receiveBufferBytes(-5));
        assertEquals("SO_RCVBUF (receive buffer) must be 1..60000 bytes, got -5", e.getMessage());
    }

    /** Payload bytes of a frame the stack sent (TSO frames carry a checksum only the device finishes). */
    private static int tcpPayloadLength(TestDevice.Sent s) {
        ByteBuffer b = ByteBuffer.wrap(s.bytes());
        int ipTotal = b.getShort(14 + 2) & 0xFFFF;
        int ipHeader = (b.get(14) & 0x0F) * 4;
        int tcpHeader = ((b.get(14 + ipHeader + 12) & 0xFF) >> 4) * 4;
        return ipTotal - ipHeader - tcpHeader;
    }
}
