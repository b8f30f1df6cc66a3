package dev.bypass.nic.tap;

import static dev.bypass.nic.tap.Libc.EAGAIN;
import static dev.bypass.nic.tap.Libc.EINTR;

import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.DirectFramePool;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import dev.bypass.stack.device.NetworkDevice;
import dev.bypass.stack.wire.EthernetHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A NIC made of a Linux TAP interface: the stack sits on one end of a virtual Ethernet wire, the kernel's
 * network stack on the other (the TAP interface, which can be moved into a network namespace, bridged or
 * routed like any link). Pure Java over {@code /dev/net/tun} through FFM; no JNI, no native library.
 *
 * <pre>{@code
 * try (TapDevice tap = TapDevice.open(TapConfig.named("bp0"))) {
 *     // kernel side: ip link set bp0 netns ns1; ip -n ns1 addr add 198.18.0.1/24 dev bp0; ...
 *     int n = tap.receive(0, frames, frames.length, nowNs);   // never blocks
 *     ...
 *     tap.transmit(0, reply, nowNs);
 *     tap.flush(0, nowNs);
 * }
 * }</pre>
 *
 * <p>One descriptor per device, opened non-blocking ({@code IFF_TAP | IFF_NO_PI}): each {@code read} is
 * one whole Ethernet frame from the kernel (no FCS, no padding), each {@code write} one frame to it. Frames
 * are read straight into, and written straight from, the memory of the device's {@link DirectFramePool}; on
 * the data path no Java object is allocated.
 *
 * <p>The device offers no offloads and one queue: the stack computes every checksum. Whatever the kernel
 * side's MAC, the frames the stack sends must be addressed to it (or broadcast): the kernel drops unicast
 * frames for other MACs, as a NIC would.
 *
 * <p>Threading as for every {@link NetworkDevice}: one poll thread calls receive, transmit and flush;
 * {@link #close()} once that thread has stopped. The descriptor keeps working after the interface is moved
 * to another network namespace; when the interface is deleted (its namespace deleted), reads and writes
 * fail with EBADFD, count as {@link TapCounter#RX_ERRORS} / {@link TapCounter#TX_ERRORS}, and
 * {@link #linkUp()} turns false; from then on receive returns 0 and frames sent count as
 * {@link TapCounter#TX_LINK_DOWN}.
 */
public final class TapDevice implements NetworkDevice {
    private static final DeviceCapabilities CAPABILITIES = DeviceCapabilities.NONE;
    /** Room for one 802.1Q tag: the kernel inserts the tag of a VLAN interface stacked on the TAP. */
    private static final int MAX_L2_HEADER = EthernetHeader.LENGTH + EthernetHeader.VLAN_TAG_LENGTH;

    private final String name;
    private final long macAddress;
    private final int mtu;
    private final int maxFrameLength;
    private final DirectFramePool pool;
    private final Arena arena;
    /** Where each downcall leaves errno: used by the poll thread (and by open and close, before and after it). */
    private final MemorySegment callState;
    private final Frame[] txQueue;
    private final long[] counters = new long[TapCounter.values().length];
    private int txCount;
    private int fd;
    private int lastErrno;
    private boolean interfaceGone;

    private TapDevice(String name, long macAddress, int mtu, int fd, DirectFramePool pool, Arena arena,
                      MemorySegment callState, int txQueueFrames) {
        this.name = name;
        this.macAddress = macAddress;
        this.mtu = mtu;
        this.maxFrameLength = MAX_L2_HEADER + mtu;
        this.fd = fd;
        this.pool = pool;
        this.arena = arena;
        this.callState = callState;
        this.txQueue = new Frame[txQueueFrames];
    }

    /**
     * Creates the TAP interface (or attaches to an existing one if the config allows), sets its MTU and
     * allocates the frame pool. The interface is left down, in the caller's network namespace; bring it up
     * and address it with {@code ip} (where it is, its kernel side is an ordinary link).
     *
     * @throws TapException the kernel refused, with the errno and the usual cause: no
     *     {@code /dev/net/tun} (ENOENT), not root (EPERM), the name in use (EBUSY), ...
     */
    public static TapDevice open(TapConfig config) throws TapException {
        Arena arena = Arena.ofShared();
        MemorySegment state = Libc.allocateCallState(arena);
        int fd = -1;
        DirectFramePool pool = null;
        boolean opened = false;
        try {
            // O_CLOEXEC: processes this JVM starts (ip, ping) must not inherit the descriptor, or they would
            // keep the interface alive after close().
            fd = Libc.open(state, arena.allocateFrom(config.cloneDevicePath()),
                Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
            if (fd < 0) {
                throw openFailure(config, Libc.errno(state));
            }
            MemorySegment ifreq = arena.allocate(Libc.IFREQ);
            ifreq.setString(0, config.name(), StandardCharsets.US_ASCII);
            short flags = (short) (Libc.IFF_TAP | Libc.IFF_NO_PI | (config.attachExisting() ? 0 : Libc.IFF_TUN_EXCL));
            ifreq.set(ValueLayout.JAVA_SHORT, Libc.IFR_IFRU_OFFSET, flags);
            if (Libc.ioctl(state, fd, Libc.TUNSETIFF, ifreq) < 0) {
                throw attachFailure(config, Libc.errno(state));
            }
            // The kernel writes back the name it chose (a "%d" in the name is numbered).
            String name = ifreq.getString(0, StandardCharsets.US_ASCII);
            setMtu(state, arena, name, config.mtu());
            // One byte more than the largest frame: see receive().
            pool = new DirectFramePool("tap:" + name, config.poolFrames(),
                DirectFramePool.DEFAULT_HEADROOM + MAX_L2_HEADER + config.mtu() + 1);
            TapDevice device = new TapDevice(name, config.resolveMac(name), config.mtu(), fd, pool, arena, state,
                config.txQueueFrames());
            opened = true;
            return device;
        } finally {
            if (!opened) {
                if (pool != null) {
                    pool.close();
                }
                if (fd >= 0) {
                    Libc.close(state, fd);
                }
                arena.close();
            }
        }
    }

    /** Sets the kernel side's MTU with SIOCSIFMTU on a throwaway socket, when it is not already right. */
    private static void setMtu(MemorySegment state, Arena arena, String name, int mtu) throws TapException {
        int sock = Libc.socket(state, Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (sock < 0) {
            int errno = Libc.errno(state);
            throw new TapException("TAP '" + name + "': socket() for the MTU ioctl failed: " + Libc.errnoName(errno),
                errno);
        }
        try {
            MemorySegment ifreq = arena.allocate(Libc.IFREQ);
            ifreq.setString(0, name, StandardCharsets.US_ASCII);
            // Reading needs no privilege; setting does. Asking first lets an unprivileged user attach to a
            // persistent TAP whose MTU already matches.
            if (Libc.ioctl(state, sock, Libc.SIOCGIFMTU, ifreq) == 0
                && ifreq.get(ValueLayout.JAVA_INT, Libc.IFR_IFRU_OFFSET) == mtu) {
                return;
            }
            ifreq.set(ValueLayout.JAVA_INT, Libc.IFR_IFRU_OFFSET, mtu);
            if (Libc.ioctl(state, sock, Libc.SIOCSIFMTU, ifreq) < 0) {
                int errno = Libc.errno(state);
                throw new TapException("TAP '" + name + "': cannot set MTU " + mtu + " (SIOCSIFMTU): "
                    + Libc.errnoName(errno) + (errno == Libc.EPERM
                    ? " (needs CAP_NET_ADMIN; or set it beforehand: ip link set dev " + name + " mtu " + mtu + ")"
                    : errno == Libc.EINVAL ? " (outside the range the TAP driver accepts)" : ""), errno);
            }
        } finally {
            Libc.close(state, sock);
        }
    }

    private static TapException openFailure(TapConfig config, int errno) {
        String path = config.cloneDevicePath();
        String why = switch (errno) {
            case Libc.ENOENT -> path + " does not exist: load the tun module (modprobe tun), or in a container "
                + "pass the device in (--device /dev/net/tun)";
            case Libc.ENODEV, Libc.ENXIO ->
                path + " has no driver behind it: the kernel lacks CONFIG_TUN (modprobe tun)";
            case Libc.EACCES, Libc.EPERM -> "no permission to open " + path + ": run as root, or grant this user "
                + "access to it and attach to a persistent TAP (ip tuntap add mode tap user ...; withAttachExisting)";
            default -> "open(" + path + ") failed";
        };
        return new TapException("cannot open TAP '" + config.name() + "': " + Libc.errnoName(errno) + ": " + why,
            errno);
    }

    private static TapException attachFailure(TapConfig config, int errno) {
        String name = config.name();
        String why = switch (errno) {
            case Libc.EBUSY -> config.attachExisting()
                ? "the interface is in use: another process has TAP '" + name + "' open"
                : "an interface named '" + name + "' already exists (another TAP, or any other link); "
                    + "choose another name, or withAttachExisting(true) for a persistent TAP";
            case Libc.EPERM -> "not permitted to create a TAP: needs CAP_NET_ADMIN (run as root), or a persistent "
                + "TAP owned by this user (ip tuntap add mode tap user ...) attached withAttachExisting(true)";
            case Libc.EINVAL -> "the kernel rejected the request: '" + name + "' is an invalid name, or names an "
                + "existing interface that is not a TAP";
            case Libc.ENFILE, Libc.ENOMEM, Libc.ENOBUFS -> "the kernel is out of resources";
            default -> "ioctl(TUNSETIFF) failed";
        };
        return new TapException("cannot create TAP '" + name + "': " + Libc.errnoName(errno) + ": " + why, errno);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long macAddress() {
        return macAddress;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /**
     * True while the device is open and its interface exists: false after {@link #close()}, and once a read
     * or write has found the interface deleted (EBADFD). The kernel side being administratively down does
     * not count: frames written then are dropped as {@link TapCounter#TX_LINK_DOWN}.
     */
    @Override
    public boolean linkUp() {
        return fd >= 0 && !interfaceGone;
    }

    /** One queue, no offloads: the stack computes checksums in software. */
    @Override
    public DeviceCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public FramePool pool() {
        return pool;
    }

    /**
     * Reads up to {@code max} frames, stopping at the first EAGAIN (nothing waiting) or when the pool is
     * empty (the rest wait in the kernel's queue; the pool counts the shortage). Never blocks.
     */
    @Override
    public int receive(int queue, Frame[] frames, int max, long nowNs) {
        requireUsable(queue);
        if (interfaceGone) {
            return 0;
        }
        int n = 0;
        while (n < max) {
            Frame frame = pool.allocate();
            if (frame == null) {
                break;
            }
            int room = frame.capacity() - frame.offset();
            long got = Libc.read(callState, fd, frame.address() + frame.offset(), room);
            if (got > 0 && got <= maxFrameLength) {
                frame.length((int) got);
                frames[n++] = frame;
                counters[TapCounter.RX_FRAMES.ordinal()]++;
                counters[TapCounter.RX_BYTES.ordinal()] += got;
                continue;
            }
            frame.release();
            if (got > maxFrameLength) {
                // The TAP driver copies what fits and returns min(frame length, buffer length), so a cut
                // frame looks whole. The buffer has one byte more than the largest frame the MTU allows:
                // filling it means the frame was longer (the kernel side's MTU was raised). Drop it.
                counters[TapCounter.RX_TRUNCATED.ordinal()]++;
                continue;
            }
            if (got < 0) {
                int errno = Libc.errno(callState);
                if (errno == EINTR) {
                    continue;
                }
                if (errno != EAGAIN) {
                    failed(errno);
                    counters[TapCounter.RX_ERRORS.ordinal()]++;
                }
            }
            break;
        }
        return n;
    }

    /** Queues the frame; when {@code txQueueFrames} are already queued it is dropped and counted. */
    @Override
    public void transmit(int queue, Frame frame, long nowNs) {
        requireUsable(queue);
        if (txCount == txQueue.length) {
            counters[TapCounter.TX_QUEUE_FULL.ordinal()]++;
            frame.release();
            return;
        }
        txQueue[txCount++] = frame;
    }

    /**
     * Writes each queued frame with one {@code write} and releases it. A frame the kernel does not take at
     * once (EAGAIN) is dropped and counted, as a NIC with a full ring would: this never blocks.
     */
    @Override
    public int flush(int queue, long nowNs) {
        requireUsable(queue);
        int sent = 0;
        for (int i = 0; i < txCount; i++) {
            Frame frame = txQueue[i];
            txQueue[i] = null;
            if (write(frame)) {
                sent++;
            }
            frame.release();
        }
        txCount = 0;
        return sent;
    }

    private boolean write(Frame frame) {
        int length = frame.length();
        if (length > maxFrameLength) {
            counters[TapCounter.TX_OVERSIZE.ordinal()]++;
            return false;
        }
        if (interfaceGone) {
            counters[TapCounter.TX_LINK_DOWN.ordinal()]++;
            return false;
        }
        long written;
        do {
            written = Libc.write(callState, fd, frame.address() + frame.offset(), length);
        } while (written < 0 && Libc.errno(callState) == EINTR);
        if (written == length) {
            counters[TapCounter.TX_FRAMES.ordinal()]++;
            counters[TapCounter.TX_BYTES.ordinal()] += length;
            return true;
        }
        int errno = written < 0 ? Libc.errno(callState) : 0;
        if (errno == EAGAIN) {
            counters[TapCounter.TX_WOULD_BLOCK.ordinal()]++;
        } else if (errno == Libc.EIO) {
            counters[TapCounter.TX_LINK_DOWN.ordinal()]++;
        } else {
            // A TAP write takes the whole frame or fails; a short count (errno 0) would be a kernel
            // surprise, counted as an error all the same.
            failed(errno);
            counters[TapCounter.TX_ERRORS.ordinal()]++;
        }
        return false;
    }

    private void failed(int errno) {
        lastErrno = errno;
        if (errno == Libc.EBADFD) {
            // The interface was deleted (its namespace went away): the descriptor can never carry a frame
            // again, so stop calling the kernel and count what is sent as link down.
            interfaceGone = true;
        }
    }

    private void requireUsable(int queue) {
        if (fd < 0) {
            throw new IllegalStateException("TAP '" + name + "' is closed");
        }
        if (queue != 0) {
            throw new IllegalArgumentException("TAP '" + name + "' has one queue (0), not queue " + queue);
        }
    }

    @Override
    public long txDropped() {
        return counter(TapCounter.TX_QUEUE_FULL) + counter(TapCounter.TX_OVERSIZE)
            + counter(TapCounter.TX_WOULD_BLOCK) + counter(TapCounter.TX_LINK_DOWN) + counter(TapCounter.TX_ERRORS);
    }

    @Override
    public long rxDropped() {
        return counter(TapCounter.RX_TRUNCATED) + counter(TapCounter.RX_ERRORS);
    }

    /** The value of one of the device's counters (see {@link TapCounter} for what a non-zero value means). */
    public long counter(TapCounter counter) {
        return counters[counter.ordinal()];
    }

    /** The errno of the last failed read or write, 0 if none failed: the detail behind the error counters. */
    public int lastErrno() {
        return lastErrno;
    }

    /**
     * Releases queued frames, closes the descriptor (a TAP this device created disappears with it) and the
     * pool. Idempotent. Frames the caller still holds become invalid: release them first.
     */
    @Override
    public void close() {
        if (fd < 0) {
            return;
        }
        for (int i = 0; i < txCount; i++) {
            txQueue[i].release();
            txQueue[i] = null;
        }
        txCount = 0;
        int closing = fd;
        fd = -1;
        Libc.close(callState, closing);
        pool.close();
        arena.close();
    }

    @Override
    public String toString() {
        return "TapDevice[" + name + (fd >= 0 ? "" : " closed") + " mtu=" + mtu + " " + pool + "]";
    }
}
