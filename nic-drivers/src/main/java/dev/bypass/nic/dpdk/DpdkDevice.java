package dev.bypass.nic.dpdk;

import static dev.bypass.nic.dpdk.DpdkFramePool.NATIVE;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.bypass.nic.dpdk.DpdkShim.bp_flow_error;
import dev.bypass.nic.dpdk.DpdkShim.bp_flow_rule;
import dev.bypass.nic.dpdk.DpdkShim.bp_link;
import dev.bypass.nic.dpdk.DpdkShim.bp_port_conf;
import dev.bypass.nic.dpdk.DpdkShim.bp_stats;
import dev.bypass.nic.dpdk.DpdkShim.bp_xstat;
import dev.bypass.nic.offload.SoftwareOffload;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.FramePool;
import dev.bypass.stack.device.NetworkDevice;
import dev.bypass.stack.wire.EthernetHeader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DPDK port as a {@link NetworkDevice}: the stack's frames are the port's mbufs, received and sent
 * without a copy, through the C shim ({@link DpdkShim}).
 *
 * <pre>{@code
 * DpdkEal eal = DpdkEal.start(DpdkEalConfig.forVirtualDevices());
 * try (DpdkDevice nic = DpdkDevice.open(eal, DpdkConfig.afPacket("veth0").withNetworkNamespace("ns1"))) {
 *     int n = nic.receive(0, frames, frames.length, nowNs);   // rx burst, never blocks
 *     ...
 *     nic.transmit(0, reply, nowNs);
 *     nic.flush(0, nowNs);                                   // tx burst
 * }
 * }</pre>
 *
 * <p><b>Receive</b>: one {@code rte_eth_rx_burst} into a preallocated array of mbuf pointers; each mbuf is
 * lent as a {@link Frame} rewrapped over its buffer (no copy, no allocation), with its queue, RSS hash and
 * the checksums the port verified ({@code ol_flags}). Releasing the frame frees the mbuf. A frame spread
 * over several mbufs (a chain) is dropped and counted: jumbo frames over chains are not supported yet; a
 * larger {@code mbufDataRoom} carries them in one mbuf.
 *
 * <p><b>Transmit</b>: frames come from the device's {@link #pool()}, each an mbuf of the port's mempool.
 * {@link #transmit} queues a frame; {@link #flush} writes the data window and the offload requests
 * ({@code ol_flags}, {@code l2/l3/l4_len}, {@code tso_segsz}) into each mbuf and hands them to
 * {@code rte_eth_tx_burst}, {@link DpdkConfig#burst()} at a time. What the burst does not take is freed
 * and counted ({@link DpdkCounter#TX_DROP_BURST}): the stack's own retransmission covers it, as on a NIC
 * whose ring is full. A frame that asks for an offload the port lacks is completed in software
 * ({@link SoftwareOffload}); a frame of another pool is copied into an mbuf.
 *
 * <p><b>Capabilities</b>: the checksum, TSO and RSS-hash offloads the port offers are enabled
 * ({@link DpdkConfig#hardwareOffloads()}) and advertised; with more than one receive queue, RSS spreads
 * flows over them. The af_packet PMD offers none: the stack then computes every checksum itself.
 *
 * <p><b>Threads</b>: as for every device, one poll thread calls receive, transmit, flush and the counters.
 * Opening and closing run the port's control calls on a thread of the device's own, inside
 * {@link DpdkConfig#networkNamespace()} if one is given (af_packet resolves its interface, and changes its
 * flags, in the namespace of the calling thread).
 */
public final class DpdkDevice implements NetworkDevice {
    /** Room for one 802.1Q tag on top of the MTU and the Ethernet header. */
    private static final int MAX_L2_HEADER = EthernetHeader.LENGTH + EthernetHeader.VLAN_TAG_LENGTH;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Set<Short> OPEN_PORTS = ConcurrentHashMap.newKeySet();

    private final DpdkEal eal;
    private final DpdkConfig config;
    private final ControlThread control;
    private final short port;
    private final String name;
    private final long macAddress;
    private final int maxFrameLength;
    private final DpdkPortInfo info;
    private final DeviceCapabilities capabilities;
    /** The Frame TX_* flags the port completes in hardware; any other requested flag goes through software. */
    private final int hardwareTxFlags;
    private final boolean hardwareTxOffloads;
    private final DpdkFramePool pool;
    private final boolean probed;
    private final MbufLayout layout;
    private final int burst;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] rxMbufs;
    private final MemorySegment[] txMbufs;
    private final Frame[][] txPending;
    private final int[] txPendingCount;
    /** The frames behind txMbufs[queue][0..staged), in order; one burst in preparation (one thread). */
    private final Frame[] staged;
    private int stagedCount;
    private final SoftwareOffload software = new SoftwareOffload();
    private final Frame[] segments;
    private final long[] counters = new long[DpdkCounter.values().length];
    private volatile boolean closed;

    private DpdkDevice(DpdkEal eal, DpdkConfig config, ControlThread control, short port, long macAddress,
                       DpdkPortInfo info, long rxOffloads, long txOffloads, DpdkFramePool pool, boolean probed) {
        this.eal = eal;
        this.config = config;
        this.control = control;
        this.port = port;
        this.name = config.deviceName();
        this.macAddress = macAddress;
        this.maxFrameLength = MAX_L2_HEADER + config.mtu();
        this.info = info;
        int offloads = DpdkOffloads.deviceOffloads(rxOffloads, txOffloads);
        int room = config.mbufDataRoom() - eal.mbufLayout().headroom();
        this.capabilities = new DeviceCapabilities(config.rxQueues(), config.txQueues(), offloads,
            (offloads & DeviceCapabilities.OFFLOAD_TSO) != 0 ? Math.min(0xFFFF, room) : 0);
        this.hardwareTxFlags = DpdkOffloads.hardwareTxFlags(offloads);
        this.hardwareTxOffloads = txOffloads != 0;
        this.pool = pool;
        this.probed = probed;
        this.layout = eal.mbufLayout();
        this.burst = config.burst();
        this.rxMbufs = new MemorySegment[config.rxQueues()];
        for (int q = 0; q < rxMbufs.length; q++) {
            rxMbufs[q] = arena.allocate(JAVA_LONG, burst);
        }
        this.txMbufs = new MemorySegment[config.txQueues()];
        this.txPending = new Frame[config.txQueues()][];
        for (int q = 0; q < txMbufs.length; q++) {
            txMbufs[q] = arena.allocate(JAVA_LONG, burst);
            txPending[q] = new Frame[config.txQueueFrames()];
        }
        this.txPendingCount = new int[config.txQueues()];
        this.staged = new Frame[burst];
        this.segments = new Frame[SoftwareOffload.maxSegments(0xFFFF)];
    }

    /**
     * Opens the port: probes it (if the config has devargs), creates its mempool, configures it with the
     * offloads it offers and RSS over the queues, sets up the queues and starts it.
     *
     * @throws DpdkException a DPDK call failed; the message names it, DPDK's error, the usual cause and the
     *     DPDK log lines it wrote meanwhile. What was set up is undone
     * @throws IllegalArgumentException the config is inconsistent ({@link DpdkConfig#requireConsistent()})
     */
    public static DpdkDevice open(DpdkEal eal, DpdkConfig config) throws DpdkException {
        config.requireConsistent();
        ControlThread control = new ControlThread("bypass-dpdk-" + config.deviceName(), config.networkNamespace());
        try {
            control.enterNamespace();
            return control.call(() -> openOnControlThread(eal, config, control));
        } catch (DpdkException | RuntimeException e) {
            control.close();
            throw e;
        }
    }

    // Runs on the device's control thread.
    private static DpdkDevice openOnControlThread(DpdkEal eal, DpdkConfig config, ControlThread control)
        throws DpdkException {
        String name = config.deviceName();
        boolean probed = false;
        short port = -1;
        boolean portOpen = false;
        long mempool = 0;
        boolean opened = false;
        long mark = eal.logSize();
        try (Arena arena = Arena.ofConfined()) {
            if (config.devargs() != null) {
                int rc = DpdkShim.bp_dev_probe(arena.allocateFrom(config.devargs()));
                if (rc < 0) {
                    throw failure(eal, name, "rte_dev_probe(" + config.devargs() + ")", rc, mark, probeHint(config));
                }
                probed = true;
            }
            MemorySegment portOut = arena.allocate(JAVA_SHORT);
            int rc = DpdkShim.bp_eth_dev_get_port_by_name(arena.allocateFrom(name), portOut);
            if (rc < 0) {
                throw failure(eal, name, "rte_eth_dev_get_port_by_name", rc, mark,
                    "no port of that name: probe it (devargs, or --vdev / PCI at EAL init)");
            }
            port = portOut.get(JAVA_SHORT, 0);
            if (!OPEN_PORTS.add(port)) {
                port = -1;
                throw new DpdkException(name + ": port is already open in this process (one DpdkDevice per port)", 16);
            }
            portOpen = true;

            MemorySegment infoOut = DpdkShim.bp_dev_info.allocate(arena);
            check(eal, name, "rte_eth_dev_info_get", DpdkShim.bp_eth_dev_info(port, infoOut), mark, "");
            DpdkPortInfo info = DpdkPortInfo.read(infoOut);
            if (config.rxQueues() > info.maxRxQueues() || config.txQueues() > info.maxTxQueues()) {
                throw new DpdkException(name + ": " + config.rxQueues() + " rx / " + config.txQueues()
                    + " tx queues asked, the port has " + info.maxRxQueues() + " / " + info.maxTxQueues()
                    + (info.driverName().startsWith(DpdkConfig.AF_PACKET) ? " (af_packet: qpairs=N in its devargs)" : ""),
                    22);
            }

            long rxOffloads = config.hardwareOffloads() ? DpdkOffloads.rxOffloadsToEnable(info.rxOffloadCapa()) : 0;
            long txOffloads = config.hardwareOffloads() ? DpdkOffloads.txOffloadsToEnable(info.txOffloadCapa()) : 0;
            long rssHf = config.rxQueues() > 1 ? config.rssHashFunctions() & info.flowTypeRssOffloads() : 0;

            String poolName = "bp" + port + "_" + SEQUENCE.getAndIncrement();
            mempool = DpdkShim.bp_pktmbuf_pool_create(arena.allocateFrom(poolName), config.poolMbufs(), 0, (short) 0,
                (short) config.mbufDataRoom(), info.socketId());
            if (mempool == 0) {
                int errno = DpdkShim.bp_errno();
                throw failure(eal, name, "rte_pktmbuf_pool_create(" + config.poolMbufs() + " mbufs of "
                    + config.mbufDataRoom() + " bytes)", -errno, mark,
                    errno == 12 ? "EAL's memory is too small for the pool: raise DpdkEalConfig memoryMb (-m) or "
                        + "lower poolMbufs" : "");
            }

            MemorySegment conf = DpdkShim.bp_port_conf.allocate(arena);
            bp_port_conf.rx_offloads(conf, rxOffloads);
            bp_port_conf.tx_offloads(conf, txOffloads);
            bp_port_conf.rss_hf(conf, rssHf);
            bp_port_conf.rss_key(conf, MemorySegment.NULL);
            bp_port_conf.mtu(conf, config.mtu());
            bp_port_conf.rx_mq_mode(conf, rssHf != 0 ? DpdkShim.BP_ETH_MQ_RX_RSS : DpdkShim.BP_ETH_MQ_RX_NONE);
            check(eal, name, "rte_eth_dev_configure(mtu " + config.mtu() + ", " + config.rxQueues() + "/"
                + config.txQueues() + " queues)", DpdkShim.bp_eth_dev_configure(port, (short) config.rxQueues(),
                (short) config.txQueues(), conf), mark, "the port's limits: " + info);

            MemorySegment rxDesc = arena.allocate(JAVA_SHORT);
            MemorySegment txDesc = arena.allocate(JAVA_SHORT);
            rxDesc.set(JAVA_SHORT, 0, (short) config.rxDescriptors());
            txDesc.set(JAVA_SHORT, 0, (short) config.txDescriptors());
            check(eal, name, "rte_eth_dev_adjust_nb_rx_tx_desc", DpdkShim.bp_eth_dev_adjust_nb_rx_tx_desc(port, rxDesc,
                txDesc), mark, "");
            for (int q = 0; q < config.rxQueues(); q++) {
                check(eal, name, "rte_eth_rx_queue_setup(queue " + q + ")", DpdkShim.bp_eth_rx_queue_setup(port,
                    (short) q, rxDesc.get(JAVA_SHORT, 0), info.socketId(), 0, mempool), mark,
                    "mbufs of " + config.mbufDataRoom() + " bytes may be too small for the port's frames");
            }
            for (int q = 0; q < config.txQueues(); q++) {
                check(eal, name, "rte_eth_tx_queue_setup(queue " + q + ")", DpdkShim.bp_eth_tx_queue_setup(port,
                    (short) q, txDesc.get(JAVA_SHORT, 0), info.socketId(), 0), mark, "");
            }
            check(eal, name, "rte_eth_dev_start", DpdkShim.bp_eth_dev_start(port), mark, "");
            if (config.promiscuous()) {
                check(eal, name, "rte_eth_promiscuous_enable", DpdkShim.bp_eth_promiscuous_enable(port), mark, "");
            }
            MemorySegment mac = arena.allocate(6);
            check(eal, name, "rte_eth_macaddr_get", DpdkShim.bp_eth_macaddr_get(port, mac), mark, "");
            long macBits = 0;
            for (int i = 0; i < 6; i++) {
                macBits = (macBits << 8) | Byte.toUnsignedLong(mac.get(JAVA_BYTE, i));
            }
            DpdkFramePool pool = new DpdkFramePool("dpdk:" + name, mempool, eal.mbufLayout(), config.poolMbufs(),
                config.mbufDataRoom());
            DpdkDevice device = new DpdkDevice(eal, config, control, port, macBits, info, rxOffloads, txOffloads, pool,
                probed);
            opened = true;
            return device;
        } finally {
            if (!opened) {
                // Undo in reverse; errors here would hide the one being reported. A port EAL probed at init
                // is only stopped (closing would release it for good); one probed here goes entirely.
                if (portOpen) {
                    DpdkShim.bp_eth_dev_stop(port);
                    if (probed) {
                        DpdkShim.bp_eth_dev_close(port);
                    }
                    OPEN_PORTS.remove(port);
                }
                if (probed) {
                    removeDevice(name);
                }
                if (mempool != 0) {
                    DpdkShim.bp_mempool_free(mempool);
                }
            }
        }
    }

    private static String probeHint(DpdkConfig config) {
        if (config.deviceName().startsWith(DpdkConfig.AF_PACKET)) {
            return "af_packet: does the interface named in '" + config.devargs() + "' exist"
                + (config.networkNamespace() == null ? " in the JVM's network namespace (or give withNetworkNamespace)"
                : " in network namespace " + config.networkNamespace()) + ", and is this process root (CAP_NET_RAW)?"
                + " A device of that name may also be probed already (EEXIST)";
        }
        return "is the driver named in the devargs installed (DPDK's PMD directory), and the device free?";
    }

    private static void removeDevice(String name) {
        try (Arena arena = Arena.ofConfined()) {
            DpdkShim.bp_dev_remove(arena.allocateFrom("vdev"), arena.allocateFrom(name));
        }
    }

    private static void check(DpdkEal eal, String device, String call, int rc, long logMark, String hint)
        throws DpdkException {
        if (rc < 0) {
            throw failure(eal, device, call, rc, logMark, hint);
        }
    }

    /** "device: call failed: DPDK's words (errno N): hint", then what DPDK logged since {@code logMark}. */
    private static DpdkException failure(DpdkEal eal, String device, String call, int rc, long logMark, String hint) {
        int errno = Math.abs(rc);
        String log = eal.logSince(logMark);
        return new DpdkException(device + ": " + call + " failed: " + DpdkEal.strerror(errno) + " (errno " + errno + ")"
            + (hint.isEmpty() ? "" : ": " + hint) + (log.isBlank() ? "" : ". DPDK log:\n" + log), errno);
    }

    // ============================================================================= NetworkDevice

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
        return config.mtu();
    }

    /** The port's link status ({@code rte_eth_link_get_nowait}); false once closed. */
    @Override
    public boolean linkUp() {
        if (closed) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment link = bp_link.allocate(arena);
            return DpdkShim.bp_eth_link_get_nowait(port, link) == 0 && bp_link.up(link) != 0;
        }
    }

    @Override
    public DeviceCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public FramePool pool() {
        return pool;
    }

    /**
     * One rx burst of up to {@code min(max, burst)} frames from {@code queue}; never blocks. Each frame is a
     * view of its mbuf; releasing it frees the mbuf.
     */
    @Override
    public int receive(int queue, Frame[] frames, int max, long nowNs) {
        requireRxQueue(queue);
        MemorySegment mbufs = rxMbufs[queue];
        int got = Short.toUnsignedInt(DpdkShim.bp_eth_rx_burst(port, (short) queue, mbufs.address(),
            (short) Math.min(max, burst)));
        int n = 0;
        for (int i = 0; i < got; i++) {
            long mbuf = mbufs.getAtIndex(JAVA_LONG, i);
            if (NATIVE.get(JAVA_SHORT, mbuf + layout.nbSegs()) != 1) {
                DpdkShim.bp_pktmbuf_free(mbuf);
                counters[DpdkCounter.RX_DROP_CHAINED.ordinal()]++;
                continue;
            }
            Frame frame = pool.wrapReceived(mbuf);
            if (frame == null) {
                DpdkShim.bp_pktmbuf_free(mbuf);
                counters[DpdkCounter.RX_DROP_NO_FRAME.ordinal()]++;
                continue;
            }
            int rxFlags = DpdkOffloads.rxFlags(NATIVE.get(JAVA_LONG, mbuf + layout.olFlags()));
            frame.queue(queue);
            frame.rxFlags(rxFlags);
            if ((rxFlags & Frame.RX_RSS_HASH) != 0) {
                frame.rssHash(NATIVE.get(JAVA_INT, mbuf + layout.hashRss()));
            }
            counters[DpdkCounter.RX_FRAMES.ordinal()]++;
            counters[DpdkCounter.RX_BYTES.ordinal()] += frame.length();
            frames[n++] = frame;
        }
        return n;
    }

    /** Queues the frame for the next {@link #flush}; when {@code txQueueFrames} are queued it is dropped and counted. */
    @Override
    public void transmit(int queue, Frame frame, long nowNs) {
        requireTxQueue(queue);
        if (txPendingCount[queue] == txPending[queue].length) {
            counters[DpdkCounter.TX_DROP_QUEUE_FULL.ordinal()]++;
            frame.release();
            return;
        }
        txPending[queue][txPendingCount[queue]++] = frame;
    }

    /**
     * Sends what {@link #transmit} queued on {@code queue}: tx bursts of at most {@code burst} mbufs; what a
     * burst does not take is freed and counted. Returns the frames the port accepted.
     */
    @Override
    public int flush(int queue, long nowNs) {
        requireTxQueue(queue);
        Frame[] pending = txPending[queue];
        int count = txPendingCount[queue];
        txPendingCount[queue] = 0;
        int sent = 0;
        for (int i = 0; i < count; i++) {
            Frame frame = pending[i];
            pending[i] = null;
            sent += stage(queue, frame);
        }
        return sent + sendStaged(queue);
    }

    /** Readies one queued frame (copy, software offload) and stages it; returns frames sent by a burst it filled. */
    private int stage(int queue, Frame frame) {
        if (frame.pool() != pool) {
            frame = copyIntoMbuf(frame);
            if (frame == null) {
                return 0;
            }
        }
        if ((frame.txFlags() & ~hardwareTxFlags) == 0) {
            return stageOne(queue, frame);
        }
        // The frame asks for an offload the port does not do: checksums (and segments) in software.
        counters[DpdkCounter.TX_SOFTWARE_OFFLOAD.ordinal()]++;
        long malformed = software.malformedFrames();
        long lost = software.segmentsLostNoBuffer();
        int n = software.complete(frame, pool, segments, 0);
        counters[DpdkCounter.TX_DROP_MALFORMED.ordinal()] += software.malformedFrames() - malformed;
        counters[DpdkCounter.TX_DROP_NO_BUFFER.ordinal()] += software.segmentsLostNoBuffer() - lost;
        int sent = 0;
        for (int i = 0; i < n; i++) {
            Frame segment = segments[i];
            segments[i] = null;
            sent += stageOne(queue, segment);
        }
        return sent;
    }

    /** A frame of another pool (a decorator's copy) in an mbuf of ours, or null (counted) if none is free. */
    private Frame copyIntoMbuf(Frame foreign) {
        Frame copy = pool.allocate();
        if (copy == null || foreign.length() > copy.capacity()) {
            counters[DpdkCounter.TX_DROP_NO_BUFFER.ordinal()]++;
            foreign.release();
            if (copy != null) {
                copy.release();
            }
            return null;
        }
        copy.copyFrom(foreign);
        foreign.release();
        counters[DpdkCounter.TX_COPIED.ordinal()]++;
        return copy;
    }

    /**
     * Writes the frame's window and offload requests into its mbuf and adds it to the burst being built;
     * sends the burst when it is full. The mbufs are single-segment (fresh from the pool, or received
     * whole), so {@code next} and {@code nb_segs} are already right.
     */
    private int stageOne(int queue, Frame frame) {
        int length = frame.length();
        int txFlags = frame.txFlags();
        if (length > maxFrameLength && (txFlags & Frame.TX_TCP_SEGMENTATION) == 0) {
            counters[DpdkCounter.TX_DROP_OVERSIZE.ordinal()]++;
            frame.release();
            return 0;
        }
        long mbuf = frame.handle();
        NATIVE.set(JAVA_SHORT, mbuf + layout.dataOff(), (short) frame.offset());
        NATIVE.set(JAVA_SHORT, mbuf + layout.dataLen(), (short) length);
        NATIVE.set(JAVA_INT, mbuf + layout.pktLen(), length);
        // Always written: a received mbuf sent back out still carries its rx flags.
        NATIVE.set(JAVA_LONG, mbuf + layout.olFlags(), DpdkOffloads.txOlFlags(txFlags));
        if (txFlags != 0) {
            NATIVE.set(JAVA_LONG, mbuf + layout.txOffload(), layout.txOffloadWord(frame.l2Length(), frame.l3Length(),
                frame.l4Length(), frame.tsoSegmentSize()));
        }
        if (frame.refCount() > 1) {
            // Someone else still holds the frame: the PMD's free after sending must not free the mbuf under them.
            DpdkShim.bp_mbuf_refcnt_update(mbuf, (short) 1);
        }
        txMbufs[queue].setAtIndex(JAVA_LONG, stagedCount, mbuf);
        staged[stagedCount++] = frame;
        return stagedCount == burst ? sendStaged(queue) : 0;
    }

    /** One tx burst of the staged mbufs (after tx_prepare when hardware offloads are on); frees what it refused. */
    private int sendStaged(int queue) {
        int n = stagedCount;
        if (n == 0) {
            return 0;
        }
        stagedCount = 0;
        long mbufs = txMbufs[queue].address();
        int ready = hardwareTxOffloads
            ? Short.toUnsignedInt(DpdkShim.bp_eth_tx_prepare(port, (short) queue, mbufs, (short) n)) : n;
        int sent = ready == 0 ? 0 : Short.toUnsignedInt(DpdkShim.bp_eth_tx_burst(port, (short) queue, mbufs, (short) ready));
        for (int i = 0; i < n; i++) {
            Frame frame = staged[i];
            staged[i] = null;
            if (i < sent) {
                counters[DpdkCounter.TX_FRAMES.ordinal()]++;
                counters[DpdkCounter.TX_BYTES.ordinal()] += frame.length();
                pool.releaseSent(frame);
            } else {
                if (frame.refCount() > 1) {
                    DpdkShim.bp_mbuf_refcnt_update(frame.handle(), (short) -1);
                }
                counters[(i < ready ? DpdkCounter.TX_DROP_BURST : DpdkCounter.TX_DROP_PREPARE).ordinal()]++;
                frame.release();
            }
        }
        return sent;
    }

    private void requireRxQueue(int queue) {
        if (closed) {
            throw new IllegalStateException("DPDK device " + name + " is closed");
        }
        if (queue < 0 || queue >= rxMbufs.length) {
            throw new IllegalArgumentException(name + " has " + rxMbufs.length + " rx queues, not queue " + queue);
        }
    }

    private void requireTxQueue(int queue) {
        if (closed) {
            throw new IllegalStateException("DPDK device " + name + " is closed");
        }
        if (queue < 0 || queue >= txMbufs.length) {
            throw new IllegalArgumentException(name + " has " + txMbufs.length + " tx queues, not queue " + queue);
        }
    }

    @Override
    public long txDropped() {
        return counter(DpdkCounter.TX_DROP_QUEUE_FULL) + counter(DpdkCounter.TX_DROP_BURST)
            + counter(DpdkCounter.TX_DROP_PREPARE) + counter(DpdkCounter.TX_DROP_OVERSIZE)
            + counter(DpdkCounter.TX_DROP_MALFORMED) + counter(DpdkCounter.TX_DROP_NO_BUFFER);
    }

    /** Frames this device dropped, plus what the port dropped for want of ring space or mbufs. */
    @Override
    public long rxDropped() {
        long dropped = counter(DpdkCounter.RX_DROP_CHAINED) + counter(DpdkCounter.RX_DROP_NO_FRAME);
        if (!closed) {
            DpdkPortStats stats = portStats();
            dropped += stats.imissed() + stats.rxNoMbuf();
        }
        return dropped;
    }

    /** One of the device's own counters (see {@link DpdkCounter} for what a non-zero value means). */
    public long counter(DpdkCounter counter) {
        return counters[counter.ordinal()];
    }

    // ========================================================================== port information

    /** The DPDK port number. */
    public int port() {
        return Short.toUnsignedInt(port);
    }

    public DpdkConfig config() {
        return config;
    }

    /** What the port said about itself when it opened. */
    public DpdkPortInfo portInfo() {
        return info;
    }

    /** The port's own counters ({@code rte_eth_stats_get}). */
    public DpdkPortStats portStats() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = bp_stats.allocate(arena);
            DpdkShim.bp_eth_stats_get(port, s);
            return new DpdkPortStats(bp_stats.ipackets(s), bp_stats.opackets(s), bp_stats.ibytes(s), bp_stats.obytes(s),
                bp_stats.imissed(s), bp_stats.ierrors(s), bp_stats.oerrors(s), bp_stats.rx_nombuf(s));
        }
    }

    /** The port's extended statistics ({@code rte_eth_xstats_get}), by name in the PMD's order; control path. */
    public Map<String, Long> xstats() {
        Map<String, Long> result = new LinkedHashMap<>();
        int count = DpdkShim.bp_eth_xstats_get_names(port, MemorySegment.NULL, 0);
        if (count <= 0) {
            return result;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment names = arena.allocate((long) count * DpdkShim.BP_XSTATS_NAME_SIZE);
            MemorySegment values = arena.allocate(bp_xstat.LAYOUT, count);
            int n = Math.min(DpdkShim.bp_eth_xstats_get_names(port, names, count),
                DpdkShim.bp_eth_xstats_get(port, values, count));
            for (int i = 0; i < n; i++) {
                MemorySegment xstat = values.asSlice(i * bp_xstat.LAYOUT.byteSize(), bp_xstat.LAYOUT);
                int id = (int) bp_xstat.id(xstat);
                String statName = id >= 0 && id < count
                    ? names.getString((long) id * DpdkShim.BP_XSTATS_NAME_SIZE, StandardCharsets.US_ASCII) : "id " + id;
                result.put(statName, bp_xstat.value(xstat));
            }
        }
        return result;
    }

    /** Zeroes the port's counters (basic and extended). */
    public void resetPortStats() {
        DpdkShim.bp_eth_stats_reset(port);
    }

    // ================================================================================ RSS, flow

    /**
     * Rewrites the RSS redirection table: entry {@code i} sends to {@code queues[i]}; the table has
     * {@link DpdkPortInfo#retaSize()} entries.
     */
    public void rssRedirectionTable(int[] queues) throws DpdkException {
        control.call(() -> {
            long mark = eal.logSize();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment table = arena.allocate(JAVA_SHORT, queues.length);
                for (int i = 0; i < queues.length; i++) {
                    table.setAtIndex(JAVA_SHORT, i, (short) queues[i]);
                }
                check(eal, name, "rte_eth_dev_rss_reta_update", DpdkShim.bp_eth_rss_reta_update(port, table,
                    (short) queues.length), mark, "the table has " + info.retaSize() + " entries (0: no RSS)");
            }
            return null;
        });
    }

    /** The RSS redirection table: the queue of each entry. */
    public int[] rssRedirectionTable() throws DpdkException {
        return control.call(() -> {
            long mark = eal.logSize();
            try (Arena arena = Arena.ofConfined()) {
                int size = info.retaSize();
                MemorySegment table = arena.allocate(JAVA_SHORT, Math.max(1, size));
                check(eal, name, "rte_eth_dev_rss_reta_query", DpdkShim.bp_eth_rss_reta_query(port, table, (short) size),
                    mark, "the table has " + size + " entries (0: no RSS)");
                int[] queues = new int[size];
                for (int i = 0; i < size; i++) {
                    queues[i] = Short.toUnsignedInt(table.getAtIndex(JAVA_SHORT, i));
                }
                return queues;
            }
        });
    }

    /** Sets the RSS key ({@code null} keeps the current one) and hash functions ({@code DpdkShim.BP_ETH_RSS_*}). */
    public void rssHash(byte[] key, long hashFunctions) throws DpdkException {
        control.call(() -> {
            long mark = eal.logSize();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment k = key == null ? MemorySegment.NULL : arena.allocateFrom(JAVA_BYTE, key);
                check(eal, name, "rte_eth_dev_rss_hash_update", DpdkShim.bp_eth_rss_hash_update(port, k,
                    (byte) (key == null ? 0 : key.length), hashFunctions), mark,
                    "the port hashes on " + Long.toHexString(info.flowTypeRssOffloads()) + " with a "
                        + info.hashKeySize() + "-byte key");
            }
            return null;
        });
    }

    /** Checks a flow rule without installing it ({@code rte_flow_validate}); throws with the PMD's reason if refused. */
    public void validateFlow(DpdkFlowRule rule) throws DpdkException {
        control.call(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment error = bp_flow_error.allocate(arena);
                int rc = DpdkShim.bp_flow_validate(port, flowRule(arena, rule), error);
                if (rc < 0) {
                    throw flowFailure("rte_flow_validate", rc, error);
                }
            }
            return null;
        });
    }

    /** Installs a flow rule ({@code rte_flow_create}); returns its handle for {@link #destroyFlow}. */
    public long createFlow(DpdkFlowRule rule) throws DpdkException {
        return control.call(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment error = bp_flow_error.allocate(arena);
                long flow = DpdkShim.bp_flow_create(port, flowRule(arena, rule), error);
                if (flow == 0) {
                    throw flowFailure("rte_flow_create", -DpdkShim.bp_errno(), error);
                }
                return flow;
            }
        });
    }

    public void destroyFlow(long flow) throws DpdkException {
        control.call(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment error = bp_flow_error.allocate(arena);
                int rc = DpdkShim.bp_flow_destroy(port, flow, error);
                if (rc < 0) {
                    throw flowFailure("rte_flow_destroy", rc, error);
                }
            }
            return null;
        });
    }

    /** Flow isolation: only traffic matching flow rules reaches the queues (most PMDs want this before start). */
    public void isolateFlows(boolean isolate) throws DpdkException {
        control.call(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment error = bp_flow_error.allocate(arena);
                int rc = DpdkShim.bp_flow_isolate(port, isolate ? 1 : 0, error);
                if (rc < 0) {
                    throw flowFailure("rte_flow_isolate", rc, error);
                }
            }
            return null;
        });
    }

    private static MemorySegment flowRule(Arena arena, DpdkFlowRule rule) {
        MemorySegment r = bp_flow_rule.allocate(arena);
        bp_flow_rule.priority(r, rule.priority());
        bp_flow_rule.group(r, rule.group());
        bp_flow_rule.ipv4_src(r, rule.sourceIp());
        bp_flow_rule.ipv4_src_mask(r, rule.sourceIpMask());
        bp_flow_rule.ipv4_dst(r, rule.destinationIp());
        bp_flow_rule.ipv4_dst_mask(r, rule.destinationIpMask());
        bp_flow_rule.src_port(r, (short) rule.sourcePort());
        bp_flow_rule.src_port_mask(r, (short) rule.sourcePortMask());
        bp_flow_rule.dst_port(r, (short) rule.destinationPort());
        bp_flow_rule.dst_port_mask(r, (short) rule.destinationPortMask());
        bp_flow_rule.ip_proto(r, (byte) rule.ipProtocol());
        bp_flow_rule.action(r, rule.drop() ? DpdkShim.BP_FLOW_ACTION_DROP : DpdkShim.BP_FLOW_ACTION_QUEUE);
        bp_flow_rule.queue(r, (short) rule.queue());
        return r;
    }

    private DpdkException flowFailure(String call, int rc, MemorySegment error) {
        int errno = Math.abs(rc);
        String message = bp_flow_error.message(error).getString(0, StandardCharsets.US_ASCII);
        return new DpdkException(name + ": " + call + " failed: " + DpdkEal.strerror(errno) + " (errno " + errno + ")"
            + (message.isEmpty() ? "" : ", PMD says: " + message)
            + (errno == 38 || errno == 95 ? " (the " + info.driverName() + " PMD has no rte_flow support)" : ""), errno);
    }

    // =================================================================================== close

    /**
     * Frees queued frames, stops and closes the port (removing it if this device probed it) and frees the
     * mempool. Idempotent. Frames the caller still holds must be released first: if any are, the mempool
     * is left allocated rather than freed under them.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        for (int q = 0; q < txPending.length; q++) {
            for (int i = 0; i < txPendingCount[q]; i++) {
                txPending[q][i].release();
                txPending[q][i] = null;
            }
            txPendingCount[q] = 0;
        }
        closed = true;
        boolean freePool = pool.framesLent() == 0;
        try {
            control.call(() -> {
                DpdkShim.bp_eth_dev_stop(port);
                DpdkShim.bp_eth_dev_close(port);
                if (probed) {
                    removeDevice(name);
                }
                if (freePool) {
                    DpdkShim.bp_mempool_free(pool.mempool());
                }
                return null;
            });
        } catch (DpdkException e) {
            throw new IllegalStateException(name + ": closing the port failed", e);
        } finally {
            OPEN_PORTS.remove(port);
            control.close();
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "DpdkDevice[" + name + " port " + port() + (closed ? " closed" : "") + " mtu=" + config.mtu() + " "
            + pool + "]";
    }
}
