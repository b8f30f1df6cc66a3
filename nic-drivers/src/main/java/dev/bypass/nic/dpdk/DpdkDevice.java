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
import dev.bypass.stack.device.Toeplitz;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

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
 * over several mbufs (a chain: scatter rx of a jumbo frame) is copied into one mbuf of the jumbo mempool
 * (the stack's frame is one buffer; jumbo frames are rare) and the chain freed ({@link DpdkCounter#RX_CHAINS});
 * with no jumbo mbuf free it is dropped and counted ({@link DpdkCounter#RX_DROP_CHAINED}).
 *
 * <p><b>Transmit</b>: frames come from the device's {@link #pool(int)}, each an mbuf of the port.
 * {@link #transmit} queues a frame; {@link #flush} writes the data window and the offload requests
 * ({@code ol_flags}, {@code l2/l3/l4_len}, {@code tso_segsz}) into each mbuf and hands them to
 * {@code rte_eth_tx_burst}, {@link DpdkConfig#burst()} at a time. What the burst does not take is freed
 * and counted ({@link DpdkCounter#TX_DROP_BURST}): the stack's own retransmission covers it, as on a NIC
 * whose ring is full. A frame that asks for an offload the port lacks is completed in software
 * ({@link SoftwareOffload}); a frame of another pool is copied into an mbuf, or, longer than one, into a
 * chain of mbufs with the offload requests on its head ({@link DpdkCounter#TX_CHAINS}; a port without
 * {@code RTE_ETH_TX_OFFLOAD_MULTI_SEGS} gets one jumbo mbuf instead, {@link DpdkCounter#TX_CHAIN_FALLBACK}).
 *
 * <p><b>Jumbo frames</b>: when an MTU-sized frame does not fit one mbuf ({@link DpdkConfig#jumbo}), the
 * port receives into chains ({@code RTE_ETH_RX_OFFLOAD_SCATTER}, which it must offer) and a second,
 * bounded mempool of whole-frame mbufs ({@link DpdkConfig#jumboMbufs()}) serves the stack's own frames and
 * the copies of received chains. The stack's frames then go out as one mbuf each, without a copy.
 *
 * <p><b>Capabilities</b>: the checksum, TSO and RSS-hash offloads the port offers are enabled
 * ({@link DpdkConfig#hardwareOffloads()}) and advertised. With more than one receive queue, RSS spreads
 * flows over them with a symmetric Toeplitz key ({@link Toeplitz#SYMMETRIC_KEY} extended to the port's key
 * size) and a redirection table filled as {@link Toeplitz#queueOf} models it; {@link #rssKey()} then
 * returns the key, so that a stack per queue picks its active opens' ports. A port that takes no key or
 * has no redirection table (af_packet and tap: the kernel picks the queue) spreads flows by its own
 * means; {@link #rssKey()} is null and {@link #rssStatus()} says why. The af_packet PMD offers no offload:
 * the stack then computes every checksum itself.
 *
 * <p><b>Flow isolation</b> ({@link DpdkConfig#flowIsolation()}): {@code rte_flow_isolate} before configure,
 * then flow rules for ARP and IPv4 to the stack's address after start, so that only the stack's frames
 * reach the queues (on mlx5 the kernel keeps the rest); {@link #flowIsolationStatus()} says what came of it.
 *
 * <p><b>Threads</b>: one thread per queue, or one for all. Everything a queue's receive and transmit
 * paths touch is that queue's own (a {@code Lane}): its {@link #pool(int) pool} (Frame objects and free
 * list; received frames of queue q are wrapped by queue q's pool), burst and staging arrays, software
 * offload and counters (plain fields of that thread; {@link #counter} sums them, a snapshot when read
 * elsewhere). Only the port's mempools are shared, and DPDK's are thread-safe. No lock and no allocation
 * on the data path. Opening and closing run the port's control calls on a thread of the device's own,
 * inside {@link DpdkConfig#networkNamespace()} if one is given (af_packet resolves its interface, and
 * changes its flags, in the namespace of the calling thread).
 */
public final class DpdkDevice implements NetworkDevice {
    /** Room for one 802.1Q tag on top of the MTU and the Ethernet header. */
    private static final int MAX_L2_HEADER = DpdkConfig.MAX_L2_HEADER;
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
    /** Checksum or TSO offloads enabled on transmit: tx_prepare before each burst. */
    private final boolean hardwareTxOffloads;
    private final boolean probed;
    private final MbufLayout layout;
    private final int burst;
    /** The port's mempool (rx rings, copies), and the jumbo mempool (0 without jumbo frames). */
    private final long mempool;
    private final long jumboMempool;
    /** Data bytes of one mbuf of the port's mempool after the headroom: longer frames are chains. */
    private final int mbufRoom;
    /** Chains may be sent (the port offers MULTI_SEGS and the config allows it). */
    private final boolean multiSegmentTx;
    private final byte[] rssKey;
    private final String rssStatus;
    /** The flow rules installed for flow isolation (empty without), their handles, and what happened. */
    private final List<DpdkFlowRule> isolationRules;
    private final long[] isolationFlows;
    private final String flowIsolationStatus;

    private final Arena arena = Arena.ofShared();
    private final Lane[] lanes;
    private volatile boolean closed;

    private DpdkDevice(DpdkEal eal, DpdkConfig config, ControlThread control, short port, long macAddress,
                       DpdkPortInfo info, long rxOffloads, long txOffloads, long mempool, long jumboMempool,
                       byte[] rssKey, String rssStatus, List<DpdkFlowRule> isolationRules, long[] isolationFlows,
                       String flowIsolationStatus, boolean probed) {
        this.eal = eal;
        this.config = config;
        this.control = control;
        this.port = port;
        this.name = config.deviceName();
        this.macAddress = macAddress;
        this.maxFrameLength = MAX_L2_HEADER + config.mtu();
        this.info = info;
        this.layout = eal.mbufLayout();
        int headroom = layout.headroom();
        this.mempool = mempool;
        this.jumboMempool = jumboMempool;
        this.mbufRoom = config.mbufDataRoom() - headroom;
        this.multiSegmentTx = (txOffloads & DpdkShim.BP_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
        this.rssKey = rssKey;
        this.rssStatus = rssStatus;
        this.isolationRules = isolationRules;
        this.isolationFlows = isolationFlows;
        this.flowIsolationStatus = flowIsolationStatus;
        int offloads = DpdkOffloads.deviceOffloads(rxOffloads, txOffloads);
        int frameDataRoom = jumboMempool != 0 ? config.jumboDataRoom(headroom) : config.mbufDataRoom();
        int room = frameDataRoom - headroom;
        this.capabilities = new DeviceCapabilities(config.rxQueues(), config.txQueues(), offloads,
            (offloads & DeviceCapabilities.OFFLOAD_TSO) != 0 ? Math.min(0xFFFF, room) : 0);
        this.hardwareTxFlags = DpdkOffloads.hardwareTxFlags(offloads);
        this.hardwareTxOffloads = (txOffloads & ~DpdkShim.BP_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
        this.probed = probed;
        this.burst = config.burst();
        int lendable = config.poolMbufs() + (jumboMempool != 0 ? config.jumboMbufs() : 0);
        this.lanes = new Lane[Math.max(config.rxQueues(), config.txQueues())];
        for (int q = 0; q < lanes.length; q++) {
            String poolName = "dpdk:" + name + (lanes.length == 1 ? "" : "-q" + q);
            DpdkFramePool pool = jumboMempool != 0
                ? new DpdkFramePool(poolName, this, jumboMempool, layout, config.jumboMbufs(), frameDataRoom, lendable)
                : new DpdkFramePool(poolName, this, mempool, layout, config.poolMbufs(), frameDataRoom, lendable);
            lanes[q] = new Lane(q, pool, q < config.rxQueues(), q < config.txQueues());
        }
    }

    /** What one queue's thread owns: its pool, burst and staging arrays, software offload and counters. */
    private final class Lane {
        final int queue;
        final DpdkFramePool pool;
        /** Mbuf pointers of one rx burst (null: no such rx queue). */
        final MemorySegment rxMbufs;
        /** Mbuf pointers of the tx burst being built (null: no such tx queue). */
        final MemorySegment txMbufs;
        final Frame[] txPending;
        int txPendingCount;
        /** The frames behind txMbufs[0..stagedCount), in order; null for a chain (its bytes in stagedLength). */
        final Frame[] staged;
        final int[] stagedLength;
        int stagedCount;
        final SoftwareOffload software = new SoftwareOffload();
        final Frame[] segments;
        final long[] counters = new long[DpdkCounter.values().length];

        Lane(int queue, DpdkFramePool pool, boolean rx, boolean tx) {
            this.queue = queue;
            this.pool = pool;
            this.rxMbufs = rx ? arena.allocate(JAVA_LONG, burst) : null;
            this.txMbufs = tx ? arena.allocate(JAVA_LONG, burst) : null;
            this.txPending = tx ? new Frame[config.txQueueFrames()] : new Frame[0];
            this.staged = new Frame[burst];
            this.stagedLength = new int[burst];
            this.segments = new Frame[SoftwareOffload.maxSegments(0xFFFF)];
        }
    }

    /**
     * Opens the port: probes it (if the config has devargs), creates its mempools, configures it with the
     * offloads it offers, RSS over the queues and scatter for jumbo frames, sets up the queues and starts it.
     *
     * @throws DpdkException a DPDK call failed, or the port cannot carry the config's MTU; the message names
     *     it, DPDK's error, the usual cause and the DPDK log lines it wrote meanwhile. What was set up is undone
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
        try {
            return openPort(eal, config, control, null);
        } catch (IsolationRulesRefused refused) {
            // flow-isolation auto: the PMD took rte_flow_isolate but not the rules. The port was undone (and
            // its vdev removed): open it again without isolation (a started net_tap cannot be un-isolated).
            return openPort(eal, config, control, "off (flow-isolation auto): the port took rte_flow_isolate but "
                + "refused its rules: " + refused.reason + "; opened again without isolation: every frame the port "
                + "receives reaches its queues");
        }
    }

    /** The flow rules of an isolated port were refused and flow isolation is auto: open again without. */
    private static final class IsolationRulesRefused extends RuntimeException {
        final String reason;

        IsolationRulesRefused(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }

    /** Opens the port; {@code isolationFallback} non-null: without flow isolation, this its status. */
    private static DpdkDevice openPort(DpdkEal eal, DpdkConfig config, ControlThread control, String isolationFallback)
        throws DpdkException {
        String name = config.deviceName();
        boolean probed = false;
        short port = -1;
        boolean portOpen = false;
        long mempool = 0;
        long jumboMempool = 0;
        boolean opened = false;
        boolean isolateSet = false;
        long[] flows = new long[0];
        int flowCount = 0;
        long mark = eal.logSize();
        int headroom = eal.mbufLayout().headroom();
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
            String mtuProblem = mtuProblem(config, info, headroom);
            if (mtuProblem != null) {
                throw new DpdkException(name + ": " + mtuProblem, 22);
            }
            boolean jumbo = config.jumbo(headroom);

            // Flow isolation before configure: most PMDs (mlx5 among them) take it only on a port not yet
            // configured or started.
            FlowIsolation isolation = isolationFallback != null ? FlowIsolation.OFF : config.flowIsolation();
            MemorySegment flowError = bp_flow_error.allocate(arena);
            String isolationStatus = isolationFallback != null ? isolationFallback
                : "off (not asked): every frame the port receives reaches its queues";
            if (isolation.enabled()) {
                rc = DpdkShim.bp_flow_isolate(port, 1, flowError);
                if (rc < 0) {
                    String why = flowWhy(info, "rte_flow_isolate(port " + Short.toUnsignedInt(port) + ", 1)", rc, flowError);
                    if (isolation.mode() == FlowIsolation.Mode.ON) {
                        throw isolationRefused(eal, name, info, why, mark);
                    }
                    isolationStatus = "off (flow-isolation auto): " + why + "; every frame the port receives reaches "
                        + "its queues";
                } else {
                    isolateSet = true;
                }
            }

            long rxOffloads = config.hardwareOffloads() ? DpdkOffloads.rxOffloadsToEnable(info.rxOffloadCapa()) : 0;
            long txOffloads = config.hardwareOffloads() ? DpdkOffloads.txOffloadsToEnable(info.txOffloadCapa()) : 0;
            if (jumbo) {
                rxOffloads |= DpdkShim.BP_ETH_RX_OFFLOAD_SCATTER;
                if (config.multiSegmentTx()) {
                    txOffloads |= info.txOffloadCapa() & DpdkShim.BP_ETH_TX_OFFLOAD_MULTI_SEGS;
                }
            }
            long rssHf = config.rxQueues() > 1 ? config.rssHashFunctions() & info.flowTypeRssOffloads() : 0;

            String poolName = "bp" + port + "_" + SEQUENCE.getAndIncrement();
            mempool = createPool(eal, name, arena, poolName, config.poolMbufs(), config.mbufDataRoom(), info, mark);
            if (jumbo) {
                jumboMempool = createPool(eal, name, arena, poolName + "j", config.jumboMbufs(),
                    config.jumboDataRoom(headroom), info, mark);
            }

            // RSS: a symmetric key of the port's size, so that the stack can tell which queue a flow lands on.
            byte[] rssKey = rssHf != 0 && info.hashKeySize() > 0 ? symmetricKey(info.hashKeySize()) : null;
            String rssStatus = rssKey != null ? null : config.rxQueues() == 1 ? "one receive queue: no RSS"
                : rssHf == 0 ? "the port hashes on none of the flow types asked (flow_type_rss_offloads 0x"
                    + Long.toHexString(info.flowTypeRssOffloads()) + "): it spreads flows over its queues by its own "
                    + "means" + (info.driverName().startsWith(DpdkConfig.AF_PACKET)
                    ? " (af_packet: the kernel's PACKET_FANOUT_HASH)" : "")
                : "the port takes no RSS key (hash_key_size 0): its own default key hashes";
            MemorySegment conf = DpdkShim.bp_port_conf.allocate(arena);
            bp_port_conf.rx_offloads(conf, rxOffloads);
            bp_port_conf.tx_offloads(conf, txOffloads);
            bp_port_conf.rss_hf(conf, rssHf);
            bp_port_conf.rss_key(conf, rssKey == null ? MemorySegment.NULL : arena.allocateFrom(JAVA_BYTE, rssKey));
            bp_port_conf.rss_key_len(conf, (byte) (rssKey == null ? 0 : rssKey.length));
            bp_port_conf.mtu(conf, config.mtu());
            bp_port_conf.rx_mq_mode(conf, rssHf != 0 ? DpdkShim.BP_ETH_MQ_RX_RSS : DpdkShim.BP_ETH_MQ_RX_NONE);
            String configured = "rte_eth_dev_configure(mtu " + config.mtu() + ", " + config.rxQueues() + "/"
                + config.txQueues() + " queues)";
            rc = DpdkShim.bp_eth_dev_configure(port, (short) config.rxQueues(), (short) config.txQueues(), conf);
            if (rc < 0 && rssKey != null) {
                // The PMD refused the key: fall back to its own (the stack then cannot predict the queues).
                int errno = Math.abs(rc);
                rssStatus = "the port refused a " + rssKey.length + "-byte symmetric key (" + DpdkEal.strerror(errno)
                    + ", errno " + errno + "): its own default key hashes";
                rssKey = null;
                bp_port_conf.rss_key(conf, MemorySegment.NULL);
                bp_port_conf.rss_key_len(conf, (byte) 0);
                rc = DpdkShim.bp_eth_dev_configure(port, (short) config.rxQueues(), (short) config.txQueues(), conf);
            }
            check(eal, name, configured, rc, mark, "the port's limits: " + info);

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
            List<DpdkFlowRule> rules = List.of();
            if (isolateSet) {
                // The rules that bring the stack's frames in, after start (as mlx5 and net_tap take them).
                rules = isolation.rules(config.rxQueues(), rssHf, rssKey);
                flows = new long[rules.size()];
                String refused = null;
                for (DpdkFlowRule rule : rules) {
                    long flow = DpdkShim.bp_flow_create(port, flowRule(arena, rule), flowError);
                    if (flow == 0) {
                        refused = flowWhy(info, "rte_flow_create(" + rule.describe() + ")", -DpdkShim.bp_errno(), flowError);
                        break;
                    }
                    flows[flowCount++] = flow;
                }
                if (refused == null) {
                    isolationStatus = "isolated (rte_flow_isolate): only " + rules.stream().map(DpdkFlowRule::describe)
                        .collect(Collectors.joining(", ")) + " reach the port's queues";
                } else {
                    flowCount = destroyFlows(port, flows, flowCount);
                    if (isolation.mode() == FlowIsolation.Mode.ON) {
                        throw isolationRefused(eal, name, info, refused, mark);
                    }
                    throw new IsolationRulesRefused(refused); // auto: undone below, opened again
                }
            }
            if (rssKey != null) {
                String reta = programRedirectionTable(port, info.retaSize(), config.rxQueues(), arena);
                if (reta != null) {
                    rssStatus = reta;
                    rssKey = null;
                } else {
                    rssStatus = "symmetric Toeplitz key of " + rssKey.length + " bytes, " + info.retaSize()
                        + "-entry redirection table over " + config.rxQueues() + " queues";
                }
            }
            if (config.promiscuous()) {
                check(eal, name, "rte_eth_promiscuous_enable", DpdkShim.bp_eth_promiscuous_enable(port), mark, "");
            }
            // Every multicast frame reaches the stack, which keeps those of the groups it joined (IGMP): groups
            // come and go at run time, and a NIC's multicast filter table is small. A PMD that refuses it
            // still delivers what its own filter lets through.
            DpdkShim.bp_eth_allmulticast_enable(port);
            MemorySegment mac = arena.allocate(6);
            check(eal, name, "rte_eth_macaddr_get", DpdkShim.bp_eth_macaddr_get(port, mac), mark, "");
            long macBits = 0;
            for (int i = 0; i < 6; i++) {
                macBits = (macBits << 8) | Byte.toUnsignedLong(mac.get(JAVA_BYTE, i));
            }
            DpdkDevice device = new DpdkDevice(eal, config, control, port, macBits, info, rxOffloads, txOffloads, mempool,
                jumboMempool, rssKey, rssStatus, rules, flows, isolationStatus, probed);
            opened = true;
            return device;
        } finally {
            if (!opened) {
                // Undo in reverse; errors here would hide the one being reported. A port EAL probed at init
                // is only stopped (closing would release it for good); one probed here goes entirely.
                if (portOpen) {
                    destroyFlows(port, flows, flowCount);
                    DpdkShim.bp_eth_dev_stop(port);
                    if (isolateSet && !probed) {
                        // A port EAL probed outlives this device: leave it as it was found.
                        DpdkShim.bp_flow_isolate(port, 0, MemorySegment.NULL);
                    }
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
                if (jumboMempool != 0) {
                    DpdkShim.bp_mempool_free(jumboMempool);
                }
            }
        }
    }

    /** Destroys the first {@code count} flows (errors ignored: the port is being torn down); returns 0. */
    private static int destroyFlows(short port, long[] flows, int count) {
        for (int i = count - 1; i >= 0; i--) {
            DpdkShim.bp_flow_destroy(port, flows[i], MemorySegment.NULL);
        }
        return 0;
    }

    /** "call failed: DPDK's words (errno N), PMD says: ... (the X PMD has no rte_flow support)". */
    private static String flowWhy(DpdkPortInfo info, String call, int rc, MemorySegment error) {
        int errno = Math.abs(rc);
        String message = bp_flow_error.message(error).getString(0, StandardCharsets.US_ASCII);
        return call + " failed: " + DpdkEal.strerror(errno) + " (errno " + errno + ")"
            + (message.isEmpty() ? "" : ", PMD says: " + message)
            + (errno == 38 || errno == 95 ? " (the " + info.driverName() + " PMD has no rte_flow support)" : "");
    }

    /** Flow isolation asked (on) and refused: the PMD, the call, its reason, and what to use instead. */
    private static DpdkException isolationRefused(DpdkEal eal, String device, DpdkPortInfo info, String why, long mark) {
        String log = eal.logSince(mark);
        return new DpdkException(device + ": flow isolation refused by the " + info.driverName() + " PMD: " + why
            + ". With flow-isolation = \"on\" the port does not open. Instead: the exception path (exception-tap: frames "
            + "the stack does not claim go to a kernel TAP), or flow-isolation = \"auto\" (open without isolation) or "
            + "\"off\". Isolation needs a PMD with rte_flow isolate (mlx5: the kernel keeps every other frame)"
            + (log.isEmpty() ? "" : "\nDPDK log:\n" + log), 95);
    }

    private static long createPool(DpdkEal eal, String device, Arena arena, String poolName, int mbufs, int dataRoom,
                                   DpdkPortInfo info, long mark) throws DpdkException {
        long pool = DpdkShim.bp_pktmbuf_pool_create(arena.allocateFrom(poolName), mbufs, 0, (short) 0, (short) dataRoom,
            info.socketId());
        if (pool == 0) {
            int errno = DpdkShim.bp_errno();
            throw failure(eal, device, "rte_pktmbuf_pool_create(" + mbufs + " mbufs of " + dataRoom + " bytes)", -errno,
                mark, errno == 12 ? "EAL's memory is too small for the pool: raise DpdkEalConfig memoryMb (-m) or "
                    + "lower poolMbufs / jumboMbufs" : "");
        }
        return pool;
    }

    /**
     * Why the port cannot carry the config's MTU, or null if it can: above the port's largest MTU (its
     * {@code max_mtu}, and its {@code max_rx_pktlen} less the Ethernet overhead, as {@code rte_eth_dev_configure}
     * checks), or jumbo frames over mbufs that cannot hold them on a port that cannot receive into chains.
     */
    static String mtuProblem(DpdkConfig config, DpdkPortInfo info, int headroom) {
        int max = maxMtu(info);
        if (config.mtu() > max) {
            return "MTU " + config.mtu() + " is above the port's largest, " + max + " (" + info.driverName()
                + ": max_rx_pktlen " + Integer.toUnsignedString(info.maxRxPacketLength()) + ", max_mtu " + info.maxMtu() + ")";
        }
        if (config.jumbo(headroom) && (info.rxOffloadCapa() & DpdkShim.BP_ETH_RX_OFFLOAD_SCATTER) == 0) {
            return "frames of MTU " + config.mtu() + " (" + (config.mtu() + MAX_L2_HEADER) + " bytes) do not fit an mbuf ("
                + (config.mbufDataRoom() - headroom) + " bytes after the headroom) and the " + info.driverName()
                + " PMD cannot receive into mbuf chains (no RTE_ETH_RX_OFFLOAD_SCATTER): raise mbufDataRoom (withPool)";
        }
        return null;
    }

    /** The largest MTU the port takes: ethdev's own rule (max_mtu, and max_rx_pktlen less the L2 overhead). */
    static int maxMtu(DpdkPortInfo info) {
        long maxFrame = Integer.toUnsignedLong(info.maxRxPacketLength());
        int maxMtu = info.maxMtu() == 0 ? 0xFFFF : info.maxMtu();
        long overhead = maxMtu != 0xFFFF && maxFrame > maxMtu ? maxFrame - maxMtu : 14 + 4;
        return (int) Math.min(maxMtu, Math.max(0, maxFrame - overhead));
    }

    /** {@link Toeplitz#SYMMETRIC_KEY}'s 0x6d5a repeated over {@code bytes} (40 for most PMDs, 52 for i40e and ice). */
    static byte[] symmetricKey(int bytes) {
        byte[] key = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            key[i] = Toeplitz.SYMMETRIC_KEY[i % 2];
        }
        return key;
    }

    /**
     * The redirection table that makes the port pick queues as {@link Toeplitz#queueOf} models it: entry i
     * (the hash's low bits) sends to {@code queueOf(i, queues)}. Right for any table of 128 entries or a
     * larger power of two; a smaller one cannot follow the model (null).
     */
    static int[] redirectionTable(int size, int queues) {
        if (size < Toeplitz.RETA_SIZE || Integer.bitCount(size) != 1) {
            return null;
        }
        int[] table = new int[size];
        for (int i = 0; i < size; i++) {
            table[i] = Toeplitz.queueOf(i, queues);
        }
        return table;
    }

    /** Writes {@link #redirectionTable}; null if done, else why the stack cannot predict the queues. */
    private static String programRedirectionTable(short port, int size, int queues, Arena arena) {
        if (size == 0) {
            return "the port has no RSS redirection table (reta_size 0): its queues are not picked by the Toeplitz "
                + "hash (net_tap: by the kernel)";
        }
        int[] table = redirectionTable(size, queues);
        if (table == null) {
            return "the port's " + size + "-entry redirection table cannot follow Toeplitz.queueOf (128 entries)";
        }
        MemorySegment t = arena.allocate(JAVA_SHORT, size);
        for (int i = 0; i < size; i++) {
            t.setAtIndex(JAVA_SHORT, i, (short) table[i]);
        }
        int rc = DpdkShim.bp_eth_rss_reta_update(port, t, (short) size);
        if (rc < 0) {
            int errno = Math.abs(rc);
            return "the port refused its redirection table (" + DpdkEal.strerror(errno) + ", errno " + errno + ")";
        }
        return null;
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

    /** Queue 0's pool. */
    @Override
    public FramePool pool() {
        return lanes[0].pool;
    }

    /**
     * Queue {@code queue}'s pool: Frame objects of its own over the port's shared mempool (the jumbo one
     * when the MTU needs it), for the thread that polls the queue. Frames received on the queue are its.
     */
    @Override
    public FramePool pool(int queue) {
        if (queue < 0 || queue >= lanes.length) {
            throw new IllegalArgumentException(name + " has " + lanes.length + " queues, not queue " + queue);
        }
        return lanes[queue].pool;
    }

    /**
     * The symmetric Toeplitz key the port spreads flows over its receive queues with (its redirection
     * table set as {@link Toeplitz#queueOf} models it), or null: one queue, or a port whose queues are not
     * picked by a key the stack knows ({@link #rssStatus()} says why).
     */
    @Override
    public byte[] rssKey() {
        return rssKey == null ? null : rssKey.clone();
    }

    /** How the port spreads received flows over its queues, or why {@link #rssKey()} is null. */
    public String rssStatus() {
        return rssStatus;
    }

    /** True if the port receives jumbo frames into mbuf chains and lends frames from a jumbo mempool. */
    public boolean jumbo() {
        return jumboMempool != 0;
    }

    /**
     * One rx burst of up to {@code min(max, burst)} frames from {@code queue}; never blocks. Each frame is a
     * view of its mbuf, from the queue's pool; releasing it frees the mbuf. A chain is copied into one
     * jumbo mbuf first.
     */
    @Override
    public int receive(int queue, Frame[] frames, int max, long nowNs) {
        Lane lane = rxLane(queue);
        MemorySegment mbufs = lane.rxMbufs;
        long[] counters = lane.counters;
        int got = Short.toUnsignedInt(DpdkShim.bp_eth_rx_burst(port, (short) queue, mbufs.address(),
            (short) Math.min(max, burst)));
        int n = 0;
        for (int i = 0; i < got; i++) {
            long mbuf = mbufs.getAtIndex(JAVA_LONG, i);
            Frame frame;
            if (NATIVE.get(JAVA_SHORT, mbuf + layout.nbSegs()) != 1) {
                // A chain (scatter rx): one copy into a whole-frame mbuf, since the stack's frame is one buffer.
                frame = lane.pool.linearise(mbuf, jumboMempool != 0 ? jumboMempool : mempool);
                if (frame == null) {
                    DpdkShim.bp_pktmbuf_free(mbuf);
                    counters[DpdkCounter.RX_DROP_CHAINED.ordinal()]++;
                    continue;
                }
                counters[DpdkCounter.RX_CHAINS.ordinal()]++;
            } else {
                frame = lane.pool.wrapReceived(mbuf);
                if (frame == null) {
                    DpdkShim.bp_pktmbuf_free(mbuf);
                    counters[DpdkCounter.RX_DROP_NO_FRAME.ordinal()]++;
                    continue;
                }
            }
            long olFlags = NATIVE.get(JAVA_LONG, mbuf + layout.olFlags());
            int rxFlags = DpdkOffloads.rxFlags(olFlags);
            frame.queue(queue);
            frame.rxFlags(rxFlags);
            if ((rxFlags & Frame.RX_RSS_HASH) != 0) {
                frame.rssHash(NATIVE.get(JAVA_INT, mbuf + layout.hashRss()));
            }
            if (frame.handle() != mbuf) {
                DpdkShim.bp_pktmbuf_free(mbuf); // the chain, now copied
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
        Lane lane = txLane(queue);
        if (lane.txPendingCount == lane.txPending.length) {
            lane.counters[DpdkCounter.TX_DROP_QUEUE_FULL.ordinal()]++;
            frame.release();
            return;
        }
        lane.txPending[lane.txPendingCount++] = frame;
    }

    /**
     * Sends what {@link #transmit} queued on {@code queue}: tx bursts of at most {@code burst} mbufs; what a
     * burst does not take is freed and counted. Returns the frames the port accepted.
     */
    @Override
    public int flush(int queue, long nowNs) {
        Lane lane = txLane(queue);
        Frame[] pending = lane.txPending;
        int count = lane.txPendingCount;
        lane.txPendingCount = 0;
        int sent = 0;
        for (int i = 0; i < count; i++) {
            Frame frame = pending[i];
            pending[i] = null;
            sent += stage(lane, frame);
        }
        return sent + sendStaged(lane);
    }

    /** Readies one queued frame (software offload, copy) and stages it; returns frames sent by a burst it filled. */
    private int stage(Lane lane, Frame frame) {
        if ((frame.txFlags() & ~hardwareTxFlags) == 0) {
            return stageReady(lane, frame);
        }
        // The frame asks for an offload the port does not do: checksums (and segments) in software.
        long[] counters = lane.counters;
        SoftwareOffload software = lane.software;
        counters[DpdkCounter.TX_SOFTWARE_OFFLOAD.ordinal()]++;
        long malformed = software.malformedFrames();
        long lost = software.segmentsLostNoBuffer();
        int n = software.complete(frame, lane.pool, lane.segments, 0);
        counters[DpdkCounter.TX_DROP_MALFORMED.ordinal()] += software.malformedFrames() - malformed;
        counters[DpdkCounter.TX_DROP_NO_BUFFER.ordinal()] += software.segmentsLostNoBuffer() - lost;
        int sent = 0;
        for (int i = 0; i < n; i++) {
            Frame segment = lane.segments[i];
            lane.segments[i] = null;
            sent += stageReady(lane, segment);
        }
        return sent;
    }

    /**
     * Stages a frame whose offloads the port completes: one of the port's mbufs as it is (a frame of any
     * queue's pool: a thread polling several queues sends them all without a copy), or a copy of a frame
     * of another pool (a decorator's): into one mbuf, a chain of them when longer than one, or a jumbo mbuf
     * when the port cannot send chains.
     */
    private int stageReady(Lane lane, Frame frame) {
        if (frame.pool() instanceof DpdkFramePool own && own.owner() == this) {
            return stageOne(lane, frame);
        }
        long[] counters = lane.counters;
        int length = frame.length();
        if (length > maxFrameLength && (frame.txFlags() & Frame.TX_TCP_SEGMENTATION) == 0) {
            counters[DpdkCounter.TX_DROP_OVERSIZE.ordinal()]++;
            frame.release();
            return 0;
        }
        if (length <= mbufRoom || !multiSegmentTx) {
            // One mbuf: of the port's mempool, or a jumbo one for a long frame on a port that cannot send chains.
            boolean fallback = length > mbufRoom;
            if (fallback && jumboMempool == 0) {
                return dropForeign(lane, frame, null);
            }
            Frame copy = lane.pool.allocateFrom(fallback ? jumboMempool : mempool);
            if (copy == null || length > copy.capacity() - copy.offset()) {
                return dropForeign(lane, frame, copy);
            }
            copy.copyFrom(frame);
            frame.release();
            counters[(fallback ? DpdkCounter.TX_CHAIN_FALLBACK : DpdkCounter.TX_COPIED).ordinal()]++;
            return stageOne(lane, copy);
        }
        long head = copyIntoChain(frame);
        if (head == 0) {
            return dropForeign(lane, frame, null);
        }
        counters[DpdkCounter.TX_CHAINS.ordinal()]++;
        // Offload requests and header lengths go on the head mbuf, as DPDK wants them.
        NATIVE.set(JAVA_LONG, head + layout.olFlags(), DpdkOffloads.txOlFlags(frame.txFlags()));
        NATIVE.set(JAVA_LONG, head + layout.txOffload(), layout.txOffloadWord(frame.l2Length(), frame.l3Length(),
            frame.l4Length(), frame.tsoSegmentSize()));
        frame.release();
        lane.txMbufs.setAtIndex(JAVA_LONG, lane.stagedCount, head);
        lane.stagedLength[lane.stagedCount] = length;
        lane.staged[lane.stagedCount++] = null;
        return lane.stagedCount == burst ? sendStaged(lane) : 0;
    }

    private int dropForeign(Lane lane, Frame frame, Frame copy) {
        lane.counters[DpdkCounter.TX_DROP_NO_BUFFER.ordinal()]++;
        frame.release();
        if (copy != null) {
            copy.release();
        }
        return 0;
    }

    /**
     * Copies the frame's bytes into a chain of fresh mbufs of the port's mempool, each filled after its
     * headroom; returns the head (nb_segs and pkt_len set), or 0 if the mempool ran dry (nothing kept).
     */
    private long copyIntoChain(Frame frame) {
        int length = frame.length();
        long from = frame.address() + frame.offset();
        long head = 0;
        long last = 0;
        int segments = 0;
        for (int copied = 0; copied < length; ) {
            long mbuf = DpdkShim.bp_pktmbuf_alloc(mempool);
            if (mbuf == 0) {
                if (head != 0) {
                    NATIVE.set(JAVA_SHORT, head + layout.nbSegs(), (short) segments);
                    DpdkShim.bp_pktmbuf_free(head);
                }
                return 0;
            }
            int offset = Short.toUnsignedInt(NATIVE.get(JAVA_SHORT, mbuf + layout.dataOff()));
            int n = Math.min(length - copied, Short.toUnsignedInt(NATIVE.get(JAVA_SHORT, mbuf + layout.bufLen())) - offset);
            MemorySegment.copy(NATIVE, from + copied, NATIVE, NATIVE.get(JAVA_LONG, mbuf + layout.bufAddr()) + offset, n);
            NATIVE.set(JAVA_SHORT, mbuf + layout.dataLen(), (short) n);
            if (head == 0) {
                head = mbuf;
            } else {
                NATIVE.set(JAVA_LONG, last + layout.next(), mbuf);
            }
            last = mbuf;
            segments++;
            copied += n;
        }
        NATIVE.set(JAVA_SHORT, head + layout.nbSegs(), (short) segments);
        NATIVE.set(JAVA_INT, head + layout.pktLen(), length);
        return head;
    }

    /**
     * Writes the frame's window and offload requests into its mbuf and adds it to the burst being built;
     * sends the burst when it is full. The mbufs are single-segment (fresh from a mempool, received whole,
     * or a received chain's copy), so {@code next} and {@code nb_segs} are already right.
     */
    private int stageOne(Lane lane, Frame frame) {
        int length = frame.length();
        int txFlags = frame.txFlags();
        if (length > maxFrameLength && (txFlags & Frame.TX_TCP_SEGMENTATION) == 0) {
            lane.counters[DpdkCounter.TX_DROP_OVERSIZE.ordinal()]++;
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
        lane.txMbufs.setAtIndex(JAVA_LONG, lane.stagedCount, mbuf);
        lane.stagedLength[lane.stagedCount] = length;
        lane.staged[lane.stagedCount++] = frame;
        return lane.stagedCount == burst ? sendStaged(lane) : 0;
    }

    /** One tx burst of the staged mbufs (after tx_prepare when hardware offloads are on); frees what it refused. */
    private int sendStaged(Lane lane) {
        int n = lane.stagedCount;
        if (n == 0) {
            return 0;
        }
        lane.stagedCount = 0;
        short queue = (short) lane.queue;
        long mbufs = lane.txMbufs.address();
        long[] counters = lane.counters;
        int ready = hardwareTxOffloads
            ? Short.toUnsignedInt(DpdkShim.bp_eth_tx_prepare(port, queue, mbufs, (short) n)) : n;
        int sent = ready == 0 ? 0 : Short.toUnsignedInt(DpdkShim.bp_eth_tx_burst(port, queue, mbufs, (short) ready));
        for (int i = 0; i < n; i++) {
            Frame frame = lane.staged[i];
            lane.staged[i] = null;
            if (i < sent) {
                counters[DpdkCounter.TX_FRAMES.ordinal()]++;
                counters[DpdkCounter.TX_BYTES.ordinal()] += lane.stagedLength[i];
                if (frame != null) {
                    DpdkFramePool.releaseSent(frame);
                }
            } else {
                if (frame == null) {
                    DpdkShim.bp_pktmbuf_free(lane.txMbufs.getAtIndex(JAVA_LONG, i)); // a chain of our own
                } else {
                    if (frame.refCount() > 1) {
                        DpdkShim.bp_mbuf_refcnt_update(frame.handle(), (short) -1);
                    }
                    frame.release();
                }
                counters[(i < ready ? DpdkCounter.TX_DROP_BURST : DpdkCounter.TX_DROP_PREPARE).ordinal()]++;
            }
        }
        return sent;
    }

    private Lane rxLane(int queue) {
        if (closed) {
            throw new IllegalStateException("DPDK device " + name + " is closed");
        }
        if (queue < 0 || queue >= capabilities.rxQueues()) {
            throw new IllegalArgumentException(name + " has " + capabilities.rxQueues() + " rx queues, not queue " + queue);
        }
        return lanes[queue];
    }

    private Lane txLane(int queue) {
        if (closed) {
            throw new IllegalStateException("DPDK device " + name + " is closed");
        }
        if (queue < 0 || queue >= capabilities.txQueues()) {
            throw new IllegalArgumentException(name + " has " + capabilities.txQueues() + " tx queues, not queue " + queue);
        }
        return lanes[queue];
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

    /**
     * One of the device's own counters, summed over its queues (see {@link DpdkCounter} for what a non-zero
     * value means). Each queue's thread counts in plain fields: read elsewhere, the sum is a snapshot.
     */
    public long counter(DpdkCounter counter) {
        long sum = 0;
        for (Lane lane : lanes) {
            sum += lane.counters[counter.ordinal()];
        }
        return sum;
    }

    /** One queue's share of a counter. */
    public long counter(DpdkCounter counter, int queue) {
        if (queue < 0 || queue >= lanes.length) {
            throw new IllegalArgumentException(name + " has " + lanes.length + " queues, not queue " + queue);
        }
        return lanes[queue].counters[counter.ordinal()];
    }

    /**
     * Frames lent out by every queue's pool and not yet released (0 when the stack holds none): a
     * diagnostic, read on a poll thread or once they have stopped.
     */
    public int framesLent() {
        int lent = 0;
        for (Lane lane : lanes) {
            lent += lane.pool.framesLent();
        }
        return lent;
    }

    /** Mbufs of the port's mempools neither lent out nor in the port's rings: the pools are full when these are all. */
    public int mbufsAvailable() {
        return DpdkShim.bp_mempool_avail_count(mempool) + (jumboMempool != 0 ? DpdkShim.bp_mempool_avail_count(jumboMempool) : 0);
    }

    /** Mbufs the port's mempools hold. */
    public int mbufs() {
        return config.poolMbufs() + (jumboMempool != 0 ? config.jumboMbufs() : 0);
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

    /**
     * The port's extended statistics in memory of their own, for a poll thread to refresh without
     * allocating (at most every {@code minIntervalNs}).
     */
    public DpdkXstats xstatsReader(long minIntervalNs) {
        return new DpdkXstats(port, minIntervalNs);
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

    /**
     * Flow isolation: only traffic matching flow rules reaches the queues. Most PMDs take it only before the
     * port is configured: {@link DpdkConfig#withFlowIsolation} does it at the right time, with the rules.
     */
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

    /**
     * Whether the port is flow-isolated ({@link DpdkConfig#flowIsolation()}): only frames matching
     * {@link #flowIsolationRules()} reach its queues.
     */
    public boolean flowIsolated() {
        return !isolationRules.isEmpty();
    }

    /** The flow rules installed for isolation (empty when not isolated); destroyed when the device closes. */
    public List<DpdkFlowRule> flowIsolationRules() {
        return isolationRules;
    }

    /**
     * What flow isolation came to: "off (not asked)...", "isolated (rte_flow_isolate): only ARP to queue 0,
     * IPv4 to a.b.c.d to queue 0 reach the port's queues", or, with flow-isolation auto on a PMD that
     * cannot, "off (flow-isolation auto): " and the PMD's reason.
     */
    public String flowIsolationStatus() {
        return flowIsolationStatus;
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
        bp_flow_rule.action(r, switch (rule.action()) {
            case QUEUE -> DpdkShim.BP_FLOW_ACTION_QUEUE;
            case RSS -> DpdkShim.BP_FLOW_ACTION_RSS;
            case DROP -> DpdkShim.BP_FLOW_ACTION_DROP;
        });
        bp_flow_rule.queue(r, (short) rule.queue());
        bp_flow_rule.ether_type(r, (short) rule.etherType());
        bp_flow_rule.rss_queues(r, (short) rule.rssQueues());
        bp_flow_rule.rss_types(r, rule.rssTypes());
        byte[] key = rule.rssKey();
        bp_flow_rule.rss_key_len(r, key == null ? 0 : key.length);
        bp_flow_rule.rss_key(r, key == null ? MemorySegment.NULL : arena.allocateFrom(JAVA_BYTE, key));
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
     * mempools. Idempotent. Frames the caller still holds must be released first: if any are, the
     * mempools are left allocated rather than freed under them.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        for (Lane lane : lanes) {
            for (int i = 0; i < lane.txPendingCount; i++) {
                lane.txPending[i].release();
                lane.txPending[i] = null;
            }
            lane.txPendingCount = 0;
        }
        closed = true;
        boolean freePools = framesLent() == 0;
        try {
            control.call(() -> {
                destroyFlows(port, isolationFlows, isolationFlows.length);
                DpdkShim.bp_eth_dev_stop(port);
                if (!isolationRules.isEmpty() && !probed) {
                    DpdkShim.bp_flow_isolate(port, 0, MemorySegment.NULL);
                }
                DpdkShim.bp_eth_dev_close(port);
                if (probed) {
                    removeDevice(name);
                }
                if (freePools) {
                    DpdkShim.bp_mempool_free(mempool);
                    if (jumboMempool != 0) {
                        DpdkShim.bp_mempool_free(jumboMempool);
                    }
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
            + lanes.length + " queue(s), " + lanes[0].pool + (jumboMempool != 0 ? ", jumbo" : "") + "]";
    }
}
