package dev.bypass.testing;

import dev.bypass.stack.device.ByteArrayDevice;
import dev.bypass.stack.device.DeviceCapabilities;

/**
 * The device of unit tests: a {@link ByteArrayDevice} called "test". Also the inner device of decorator
 * tests, which assert exactly what a decorator passes on and when.
 */
public final class TestDevice extends ByteArrayDevice {
    public TestDevice(long mac) {
        this(mac, 1500, DeviceCapabilities.NONE, 256, 2048);
    }

    /** A device with MAC 02:00:00:00:00:01 and MTU 1500. */
    public TestDevice(int poolFrames, int frameCapacity, DeviceCapabilities capabilities) {
        this(0x02_00_00_00_00_01L, 1500, capabilities, poolFrames, frameCapacity);
    }

    public TestDevice(long mac, int mtu, DeviceCapabilities capabilities, int poolFrames, int frameCapacity) {
        super("test", mac, mtu, capabilities, poolFrames, frameCapacity);
    }
}
