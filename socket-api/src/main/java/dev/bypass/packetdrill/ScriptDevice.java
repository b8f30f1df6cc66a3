package dev.bypass.packetdrill;

import dev.bypass.stack.device.ByteArrayDevice;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.DirectFramePool;
import dev.bypass.stack.wire.EthernetHeader;

/**
 * The device a script runs over: what Linux's tun device is to packetdrill. Frames the script injects
 * ({@code <} lines) are received by the stack on its next poll; frames the stack transmits are kept, with
 * the virtual time they left at, for the runner to match against {@code >} lines. Nothing reaches a wire.
 *
 * <p>Like packetdrill's tun device (created with {@code TUN_F_CSUM | TUN_F_TSO4}), it offers TCP checksum
 * offload and TSO, so the stack hands over super-segments of up to 64 KiB that the script sees whole, as
 * packetdrill sees Linux's. The IPv4 header checksum is left to the stack (the runner checks it).
 */
public final class ScriptDevice extends ByteArrayDevice {
    /** The local MAC (the tun device has none; any unicast one does). */
    public static final long MAC = 0x02_00_00_00_00_01L;
    /** The MAC the script's remote end sends from. */
    public static final long REMOTE_MAC = 0x02_00_00_00_00_02L;

    private static final int POOL_FRAMES = 64;
    private static final int MAX_TSO_BYTES = 65535 + EthernetHeader.LENGTH;
    private static final int FRAME_CAPACITY = MAX_TSO_BYTES + DirectFramePool.DEFAULT_HEADROOM + 64;

    /** A device with the given MTU, offering TSO or not ({@code ethtool -K tun0 tso off}). */
    public ScriptDevice(int mtu, boolean tso) {
        super("tun0", MAC, mtu, new DeviceCapabilities(1, 1,
            DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM | (tso ? DeviceCapabilities.OFFLOAD_TSO : 0),
            tso ? MAX_TSO_BYTES : 0), POOL_FRAMES, FRAME_CAPACITY);
    }

    /** The oldest frame transmitted and not yet taken, or null. */
    public Sent poll() {
        return sent().isEmpty() ? null : sent().remove(0);
    }

    /** The oldest frame transmitted and not yet taken, left in place, or null. */
    public Sent peek() {
        return sent().isEmpty() ? null : sent().get(0);
    }

    public boolean hasSent() {
        return !sent().isEmpty();
    }
}
