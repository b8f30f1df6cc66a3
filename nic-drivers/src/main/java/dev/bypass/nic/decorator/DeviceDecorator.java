package dev.bypass.nic.decorator;

import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import dev.bypass.stack.device.NetworkDevice;

/**
 * A {@link NetworkDevice} that passes every call to an inner device: the base of the decorators (capture,
 * fault injection), which override only the calls they change. A decorator stacks on any device,
 * another decorator included, and is polled by the same one thread as the device it wraps.
 */
public abstract class DeviceDecorator implements NetworkDevice {
    /** The decorated device. */
    protected final NetworkDevice inner;

    protected DeviceDecorator(NetworkDevice inner) {
        if (inner == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs a device to decorate, got null");
        }
        this.inner = inner;
    }

    /** The decorated device. */
    public NetworkDevice inner() {
        return inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public long macAddress() {
        return inner.macAddress();
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public boolean linkUp() {
        return inner.linkUp();
    }

    @Override
    public DeviceCapabilities capabilities() {
        return inner.capabilities();
    }

    @Override
    public FramePool pool() {
        return inner.pool();
    }

    @Override
    public FramePool pool(int queue) {
        return inner.pool(queue);
    }

    @Override
    public byte[] rssKey() {
        return inner.rssKey();
    }

    @Override
    public int receive(int queue, Frame[] frames, int max, long nowNs) {
        return inner.receive(queue, frames, max, nowNs);
    }

    @Override
    public void transmit(int queue, Frame frame, long nowNs) {
        inner.transmit(queue, frame, nowNs);
    }

    @Override
    public int flush(int queue, long nowNs) {
        return inner.flush(queue, nowNs);
    }

    @Override
    public long nextDeadlineNs() {
        return inner.nextDeadlineNs();
    }

    @Override
    public long txDropped() {
        return inner.txDropped();
    }

    @Override
    public long rxDropped() {
        return inner.rxDropped();
    }

    @Override
    public void close() {
        inner.close();
    }
}
