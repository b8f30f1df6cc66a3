package dev.bypass.nic.testing;

import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.DirectFramePool;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import dev.bypass.stack.device.NetworkDevice;
import java.util.ArrayList;
import java.util.List;

/**
 * A device that records every frame handed to it (bytes, time, queue, offload flags) and releases it:
 * the inner device of decorator tests, so they assert exactly what a decorator passes on and when.
 */
public final class RecordingDevice implements NetworkDevice {
    /** One frame handed to {@link #transmit}. */
    public record Sent(byte[] bytes, long nowNs, int queue, int txFlags) {
    }

    private final DirectFramePool pool;
    private final DeviceCapabilities capabilities;
    private final List<Sent> sent = new ArrayList<>();
    private int flushes;
    private boolean closed;
    private int availableAtClose = -1;

    public RecordingDevice(int poolFrames, int frameCapacity, DeviceCapabilities capabilities) {
        this.pool = new DirectFramePool("recording", poolFrames, frameCapacity);
        this.capabilities = capabilities;
    }

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

    @Override
    public String name() {
        return "recording";
    }

    @Override
    public long macAddress() {
        return 0x02_00_00_00_00_01L;
    }

    @Override
    public int mtu() {
        return 1500;
    }

    @Override
    public boolean linkUp() {
        return true;
    }

    @Override
    public DeviceCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public FramePool pool() {
        return pool;
    }

    @Override
    public int receive(int queue, Frame[] frames, int max, long nowNs) {
        return 0;
    }

    @Override
    public void transmit(int queue, Frame frame, long nowNs) {
        sent.add(new Sent(frame.toByteArray(), nowNs, queue, frame.txFlags()));
        frame.release();
    }

    @Override
    public int flush(int queue, long nowNs) {
        flushes++;
        return 0;
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
