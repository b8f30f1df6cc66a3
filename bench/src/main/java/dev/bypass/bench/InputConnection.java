package dev.bypass.bench;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.counters.Counter;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An established connection whose server end receives in-order data segments replayed by a
 * {@link ReplayDevice}: {@link TwoStacks} connect, the client sends one segment of {@code payload} bytes
 * (recorded on its way out), the server reads it; then the server's NIC replays that frame with the sequence
 * number advanced by {@code payload} each time, and the client is never polled again. Each
 * {@link #segment} is one duty cycle of the server stack at {@code nowNs} that receives one in-order
 * segment (Ethernet, IPv4, TCP input, the data into the receive buffer, ACK if due, timers, flush), then
 * the application's read of it, which keeps the window open.
 */
final class InputConnection implements AutoCloseable {
    private static final int HEADERS = 14 + 20 + 32; // Ethernet, IPv4, TCP with NOP NOP TS

    final TwoStacks stacks;
    final NetworkStack stack;
    final TcpConnection server;
    final int payload;
    private ReplayDevice clientDevice;
    private ReplayDevice serverDevice;
    private final UnsafeBuffer into = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private int seq;
    private long segments;
    private final long framesAtStart;
    private final long outSegsAtStart;

    InputConnection(TcpConfig tcp, int payload) {
        this.payload = payload;
        stacks = new TwoStacks(tcp, d -> clientDevice = new ReplayDevice(d), d -> serverDevice = new ReplayDevice(d));
        stack = stacks.serverStack;
        server = stacks.server;
        clientDevice.record(HEADERS + payload);
        UnsafeBuffer data = new UnsafeBuffer(ByteBuffer.allocateDirect(payload));
        if (stacks.client.write(data, 0, payload) != payload) {
            throw new IllegalStateException("write refused");
        }
        int read = 0;
        for (int i = 0; i < 1000 && read < payload; i++) {
            stacks.pollBoth();
            read += server.read(into, 0, into.capacity());
        }
        if (read != payload || clientDevice.recorded() == 0) {
            throw new IllegalStateException("no " + payload + "-byte segment recorded (read " + read + ", headers "
                + HEADERS + "?)\n" + stacks.counters());
        }
        for (int i = 0; i < 10; i++) {
            stacks.pollBoth(); // the ACK back to the client, nothing outstanding
        }
        serverDevice.adopt(clientDevice);
        serverDevice.replay();
        seq = serverDevice.templateSequence();
        framesAtStart = serverDevice.framesTransmitted();
        outSegsAtStart = stack.counters().get(Counter.TCP_OUT_SEGS);
    }

    /** One in-order segment received at {@code nowNs} and read by the application; returns the bytes read. */
    int segment(long nowNs) {
        seq += payload;
        serverDevice.templateSequence(seq);
        serverDevice.inject();
        stack.poll(nowNs);
        int n = server.read(into, 0, into.capacity());
        if (n != payload) {
            throw new IllegalStateException("read " + n + " of " + payload + " bytes\n" + stack.counters().dumpNonZero());
        }
        segments++;
        return n;
    }

    /** Frames the server transmitted (ACKs, window updates) per segment received so far. */
    String summary() {
        long frames = serverDevice.framesTransmitted() - framesAtStart;
        long outSegs = stack.counters().get(Counter.TCP_OUT_SEGS) - outSegsAtStart;
        return String.format("%d segments of %d B in, %.3f frames out per segment (%d TCP segments out), "
                + "retransmitted %d", segments, payload, segments == 0 ? 0.0 : (double) frames / segments, outSegs,
            stacks.segmentsRetransmitted());
    }

    ReplayDevice serverDevice() {
        return serverDevice;
    }

    @Override
    public void close() {
        stacks.close();
    }
}
