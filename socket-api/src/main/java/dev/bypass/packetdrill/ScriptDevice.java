package dev.bypass.packetdrill;

import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.DirectFramePool;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.NetworkDevice;
import dev.bypass.stack.wire.EthernetHeader;
import java.util.ArrayDeque;

/**
 * The device a script runs over: what Linux's tun device is to packetdrill. Frames the script injects
 * ({@code <} lines) are received by the stack on its next poll; frames the stack transmits are kept, with
 * the virtual time they left at, for the runner to match against {@code >} lines. Nothing reaches a wire.
 *
 * <p>Like packetdrill's tun device (created with {@code TUN_F_CSUM | TUN_F_TSO4}), it offers TCP checksum
 * offload and TSO, so the stack hands over super-segments of up to 64 KiB that the script sees whole, as
 * packetdrill sees Linux's. The IPv4 header checksum is left to the stack (the runner checks it).
 */
public final class ScriptDevice implements NetworkDevice {
    /** The local MAC (the tun device has none; any unicast one does). */
    public static final long MAC = 0x02_00_00_00_00_01L;
    /** The MAC the script's remote end sends from. */
    public static final long REMOTE_MAC = 0x02_00_00_00_00_02L;

    private static final int POOL_FRAMES = 64;
    private static final int MAX_TSO_BYTES = 65535 + EthernetHeader.LENGTH;
    private static final int FRAME_CAPACITY = MAX_TSO_BYTES + DirectFramePool.DEFAULT_HEADROOM + 64;

    /** A frame the stack transmitted: its bytes (Ethernet header first) and when. */
    public record Sent(byte[] bytes, long nowNs) {
    }

    private final int mtu;
    private final DeviceCapabilities capabilities;
    private final DirectFramePool pool;
    private final ArrayDeque<byte[]> toReceive = new ArrayDeque<>();
    private final ArrayDeque<Sent> sent = new ArrayDeque<>();
    private long rxDropped;
    private boolean closed;

    /** A device with the given MTU, offering TSO or not ({@code ethtool -K tun0 tso off}). */
    public ScriptDevice(int mtu, boolean tso) {
        this.mtu = mtu;
        int offloads = DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM | (tso ? DeviceCapabilities.OFFLOAD_TSO : 0);
        this.capabilities = new DeviceCapabilities(1, 1, offloads, tso ? MAX_TSO_BYTES : 0);
        this.pool = new DirectFramePool("packetdrill", POOL_FRAMES, FRAME_CAPACITY);
    }

    /** Queues a frame for the stack to receive on its next poll. */
    public void inject(byte[] frame) {
        toReceive.add(frame);
    }

    /** The oldest frame transmitted and not yet taken, or null. */
    public Sent poll() {
        return sent.poll();
    }

    /** The oldest frame transmitted and not yet taken, left in place, or null. */
    public Sent peek() {
        return sent.peek();
    }

    public boolean hasSent() {
        return !sent.isEmpty();
    }

    @Override
    public String name() {
        return "tun0";
    }

    @Override
    public long macAddress() {
        return MAC;
    }

    @Override
    public int mtu() {
        return mtu;
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
        sent.add(new Sent(frame.toByteArray(), nowNs));
        frame.release();
    }

    @Override
    public int flush(int queue, long nowNs) {
        return 0;
    }

    @Override
    public long rxDropped() {
        return rxDropped;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            pool.close();
        }
    }
}
