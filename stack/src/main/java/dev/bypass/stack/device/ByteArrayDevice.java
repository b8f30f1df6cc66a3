package dev.bypass.stack.device;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A device made of byte arrays: frames to receive are injected as byte arrays; frames handed to it are
 * recorded (bytes, offload requests, time, queue) and released at once. Nothing reaches a wire. The
 * device of unit tests and of the packetdrill runner's scripts; not for a data path (it allocates per
 * frame).
 */
public class ByteArrayDevice implements NetworkDevice {
    /** A transmitted frame: its bytes, the offloads it asked for, when and on which queue. */
    public record Sent(byte[] bytes, int txFlags, int tsoSegmentSize, long nowNs, int queue) {
    }

    private final String name;
    private final DirectFramePool pool;
    private final long mac;
    private final int mtu;
    private final DeviceCapabilities capabilities;
    private final ArrayDeque<byte[]> toReceive = new ArrayDeque<>();
    private final List<Sent> sent = new ArrayList<>();
    private long rxDropped;
    private int queuedSinceFlush;
    private int deepestQueue;
    private boolean linkUp = true;
    private int flushes;
    private boolean closed;
    private int availableAtClose = -1;

    /** A device called {@code name} whose pool holds {@code poolFrames} frames of {@code frameCapacity} bytes. */
    public ByteArrayDevice(String name, long mac, int mtu, DeviceCapabilities capabilities, int poolFrames,
                           int frameCapacity) {
        this.name = name;
        this.mac = mac;
        this.mtu = mtu;
        this.capabilities = capabilities;
        this.pool = new DirectFramePool(name + "-" + Long.toHexString(mac), poolFrames, frameCapacity);
    }

    public void inject(byte[] frame) {
        toReceive.add(frame);
    }

    /** Frames transmitted since the last call, oldest first. */
    public List<Sent> takeSent() {
        List<Sent> copy = new ArrayList<>(sent);
        sent.clear();
        return copy;
    }

    /** Every frame transmitted and not yet taken, oldest first (a live view). */
    public List<Sent> sent() {
        return sent;
    }

    public int flushes() {
        return flushes;
    }

    public boolean closed() {
        return closed;
    }

    /** Frames free in the pool when {@link #close()} was called (-1 before): did decorators release theirs first? */
    public int availableAtClose() {
        return availableAtClose;
    }

    public int pendingReceive() {
        return toReceive.size();
    }

    /** The most frames transmitted between two flushes: what a device's transmit queue had to hold. */
    public int deepestQueue() {
        return deepestQueue;
    }

    public void linkUp(boolean up) {
        linkUp = up;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long macAddress() {
        return mac;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public boolean linkUp() {
        return linkUp;
    }

    @Override
    public DeviceCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public DirectFramePool pool() {
        return pool;
    }

    @Override
    public int receive(int queue, Frame[] frames, int max, long nowNs) {
        int n = 0;
        while (n < max && !toReceive.isEmpty()) {
            Frame f = pool.allocate();
            if (f == null) {
                rxDropped++;
                toReceive.poll();
                continue;
            }
            byte[] b = toReceive.poll();
            f.buffer().putBytes(f.offset(), b);
            f.length(b.length);
            frames[n++] = f;
        }
        return n;
    }

    @Override
    public void transmit(int queue, Frame frame, long nowNs) {
        sent.add(new Sent(frame.toByteArray(), frame.txFlags(), frame.tsoSegmentSize(), nowNs, queue));
        frame.release();
        deepestQueue = Math.max(deepestQueue, ++queuedSinceFlush);
    }

    @Override
    public int flush(int queue, long nowNs) {
        queuedSinceFlush = 0;
        flushes++;
        return 0;
    }

    @Override
    public long rxDropped() {
        return rxDropped;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        availableAtClose = pool.available();
        pool.close();
    }
}
