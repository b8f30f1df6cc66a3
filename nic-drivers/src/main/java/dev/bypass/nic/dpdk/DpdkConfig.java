package dev.bypass.nic.dpdk;

import java.util.Objects;

/**
 * How to open one DPDK port as a {@link DpdkDevice}. Immutable; change it with the {@code with*} methods.
 *
 * <pre>{@code
 * DpdkConfig.afPacket("veth0")                          // probe net_af_packet_veth0,iface=veth0
 *     .withNetworkNamespace("ns1")                      // veth0 lives in namespace ns1
 * DpdkConfig.port("0000:01:00.0").withQueues(4, 4)      // a NIC probed by EAL at init (PCI)
 * }</pre>
 *
 * @param deviceName the DPDK device name that names the port ({@code rte_eth_dev_get_port_by_name})
 * @param devargs if not null, probed (hotplug) when the device opens and removed when it closes, e.g.
 *     {@code net_af_packet_veth0,iface=veth0,qpairs=2}; its name part must be {@code deviceName}
 * @param networkNamespace namespace (name under /var/run/netns, or a path) the probe and every control call
 *     run in: where an af_packet port's interface lives. Null: the JVM's namespace
 * @param rxQueues receive queues to set up (af_packet: must equal its {@code qpairs})
 * @param txQueues transmit queues
 * @param rxDescriptors descriptors per receive queue (rounded by the PMD)
 * @param txDescriptors descriptors per transmit queue (rounded by the PMD)
 * @param poolMbufs mbufs in the device's mempool, shared by receive and transmit; it must cover the rx
 *     rings, the tx rings and what the stack holds (best as 2^n - 1)
 * @param mbufDataRoom bytes of buffer per mbuf, headroom included (DPDK's default 2176 = 2048 + 128)
 * @param mtu the port's MTU
 * @param promiscuous receive frames for every MAC
 * @param hardwareOffloads enable the checksum, TSO and RSS-hash offloads the port offers; false: none
 * @param rssHashFunctions {@code DpdkShim.BP_ETH_RSS_*} to spread receive queues by (with more than one
 *     rx queue; what the port cannot hash on is left out)
 * @param txQueueFrames frames a transmit queue holds between two flushes
 * @param burst most frames one rx burst returns, and one tx burst is given
 * @param jumboMbufs mbufs in the port's jumbo mempool, made only when an MTU-sized frame does not fit one
 *     mbuf of {@code mbufDataRoom} (jumbo frames over small mbufs): each holds a whole frame. The stack's
 *     own frames come from it, and received chains are copied into it; when it is empty a received chain
 *     is dropped and counted
 * @param multiSegmentTx send frames longer than an mbuf that are not in one (a decorator's copies) as mbuf
 *     chains when the port can ({@code RTE_ETH_TX_OFFLOAD_MULTI_SEGS}); false, or a port that cannot: such
 *     frames are copied into one jumbo mbuf instead
 * @param flowIsolation whether only the stack's flows reach the port's queues ({@code rte_flow_isolate} before
 *     configure, then flow rules for ARP and the stack's address after start); {@link FlowIsolation#OFF}: all
 */
public record DpdkConfig(String deviceName, String devargs, String networkNamespace, int rxQueues, int txQueues,
                         int rxDescriptors, int txDescriptors, int poolMbufs, int mbufDataRoom, int mtu,
                         boolean promiscuous, boolean hardwareOffloads, long rssHashFunctions, int txQueueFrames,
                         int burst, int jumboMbufs, boolean multiSegmentTx, FlowIsolation flowIsolation) {
    public static final int DEFAULT_DESCRIPTORS = 512;
    public static final int DEFAULT_POOL_MBUFS = 8191;
    /** RTE_MBUF_DEFAULT_BUF_SIZE: 2048 bytes of data after the 128-byte headroom. */
    public static final int DEFAULT_MBUF_DATA_ROOM = 2048 + 128;
    public static final int DEFAULT_MTU = 1500;
    public static final long DEFAULT_RSS = DpdkShim.BP_ETH_RSS_IPV4 | DpdkShim.BP_ETH_RSS_NONFRAG_IPV4_TCP
        | DpdkShim.BP_ETH_RSS_NONFRAG_IPV4_UDP;
    public static final int DEFAULT_TX_QUEUE_FRAMES = 512;
    public static final int DEFAULT_BURST = 32;
    /** Jumbo mempool size: 1023 mbufs of a 9000-byte MTU take about 9.5 MB. */
    public static final int DEFAULT_JUMBO_MBUFS = 1023;
    /** The af_packet PMD's driver name: its device names start with it. */
    public static final String AF_PACKET = "net_af_packet";

    public DpdkConfig {
        Objects.requireNonNull(deviceName, "deviceName");
        if (deviceName.isBlank() || deviceName.contains(",")) {
            throw new IllegalArgumentException("DPDK device name '" + deviceName + "' is empty or has a comma");
        }
        if (devargs != null && !devargs.equals(deviceName) && !devargs.startsWith(deviceName + ",")) {
            throw new IllegalArgumentException("devargs '" + devargs + "' do not name device '" + deviceName + "'");
        }
        if (rxQueues < 1 || txQueues < 1 || rxQueues > 1024 || txQueues > 1024) {
            throw new IllegalArgumentException(deviceName + ": queues must be 1 to 1024: rx " + rxQueues + ", tx " + txQueues);
        }
        if (rxDescriptors < 1 || txDescriptors < 1 || rxDescriptors > 0xFFFF || txDescriptors > 0xFFFF) {
            throw new IllegalArgumentException(deviceName + ": descriptors must be 1 to 65535");
        }
        if (mbufDataRoom < 128 + 64 || mbufDataRoom > 0xFFFF) {
            throw new IllegalArgumentException(deviceName + ": mbuf data room " + mbufDataRoom + " must be 192 to 65535");
        }
        if (mtu < 68 || mtu > 0xFFFF) {
            throw new IllegalArgumentException(deviceName + ": MTU " + mtu + " must be 68 to 65535");
        }
        if (poolMbufs < 1) {
            throw new IllegalArgumentException(deviceName + ": the pool needs mbufs, got " + poolMbufs);
        }
        if (jumboMbufs < 1) {
            throw new IllegalArgumentException(deviceName + ": the jumbo pool needs mbufs, got " + jumboMbufs);
        }
        Objects.requireNonNull(flowIsolation, "flowIsolation (FlowIsolation.OFF for none)");
        if (txQueueFrames < 1 || burst < 1 || burst > 0xFFFF) {
            throw new IllegalArgumentException(deviceName + ": txQueueFrames and burst must be >= 1 (burst <= 65535)");
        }
    }

    /**
     * Checks what only holds for the whole config (a chain of {@code with*} calls may pass through
     * inconsistent states): the pool must hold more mbufs than the rings take. Called by
     * {@link DpdkDevice#open}.
     */
    public DpdkConfig requireConsistent() {
        long ringMbufs = (long) rxQueues * rxDescriptors + (long) txQueues * txDescriptors;
        if (poolMbufs <= ringMbufs) {
            throw new IllegalArgumentException(deviceName + ": " + poolMbufs + " pool mbufs do not even fill the rings ("
                + ringMbufs + " descriptors); the stack needs frames of its own");
        }
        return this;
    }

    /** A port EAL probed at init (a PCI address, or a {@code --vdev} name): opened, never probed or removed. */
    public static DpdkConfig port(String deviceName) {
        return new DpdkConfig(deviceName, null, null, 1, 1, DEFAULT_DESCRIPTORS, DEFAULT_DESCRIPTORS,
            DEFAULT_POOL_MBUFS, DEFAULT_MBUF_DATA_ROOM, DEFAULT_MTU, false, true, DEFAULT_RSS, DEFAULT_TX_QUEUE_FRAMES,
            DEFAULT_BURST, DEFAULT_JUMBO_MBUFS, true, FlowIsolation.OFF);
    }

    /** An af_packet port over the Linux interface {@code iface}, one queue pair: {@code net_af_packet_IFACE,iface=IFACE}. */
    public static DpdkConfig afPacket(String iface) {
        return afPacket(iface, 1);
    }

    /**
     * An af_packet port with {@code queues} queue pairs (the kernel spreads received frames over them by
     * flow hash, PACKET_FANOUT_HASH): {@code net_af_packet_IFACE,iface=IFACE,qpairs=N}.
     */
    public static DpdkConfig afPacket(String iface, int queues) {
        if (!iface.matches("[A-Za-z0-9_.@-]{1,15}")) {
            throw new IllegalArgumentException("'" + iface + "' is not a Linux interface name");
        }
        String name = AF_PACKET + "_" + iface;
        return port(name).withDevargs(name + ",iface=" + iface + (queues == 1 ? "" : ",qpairs=" + queues))
            .withQueues(queues, queues);
    }

    /**
     * For an af_packet port: kernel ring slots of {@code frameBytes} (a power of two, 2048 to 32768; the
     * PMD's default is 2048) and mbufs large enough to take them. Needed for frames above ~2000 bytes: the
     * PMD's sockets join a PACKET_FANOUT group with the DEFRAG flag, so the kernel reassembles IPv4
     * fragments before af_packet sees them, and a reassembled datagram longer than a slot arrives cut
     * short (the stack then drops it: its IPv4 total length exceeds the frame).
     */
    public DpdkConfig withAfPacketFrameSize(int frameBytes) {
        if (devargs == null || !deviceName.startsWith(AF_PACKET)) {
            throw new IllegalStateException(deviceName + " is not an af_packet port probed by its devargs");
        }
        if (frameBytes < 2048 || frameBytes > 32768 || Integer.bitCount(frameBytes) != 1) {
            throw new IllegalArgumentException("af_packet frame size " + frameBytes + " must be a power of two, 2048 to 32768");
        }
        // The PMD checks that a slot's data (frame size - 32) fits an mbuf after its 128-byte headroom.
        return withDevargs(devargs + ",framesz=" + frameBytes + ",blocksz=" + Math.max(4096, frameBytes))
            .withPool(poolMbufs, frameBytes + 128);
    }

    public DpdkConfig withDevargs(String devargs) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    public DpdkConfig withNetworkNamespace(String networkNamespace) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    public DpdkConfig withQueues(int rxQueues, int txQueues) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    public DpdkConfig withDescriptors(int rxDescriptors, int txDescriptors) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    public DpdkConfig withPool(int poolMbufs, int mbufDataRoom) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    public DpdkConfig withMtu(int mtu) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    public DpdkConfig withPromiscuous(boolean promiscuous) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    public DpdkConfig withHardwareOffloads(boolean hardwareOffloads) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    public DpdkConfig withRssHashFunctions(long rssHashFunctions) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    public DpdkConfig withTxQueueFrames(int txQueueFrames) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    public DpdkConfig withBurst(int burst) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    /** Mbufs of the jumbo mempool (used only when the MTU does not fit one mbuf of {@link #mbufDataRoom}). */
    public DpdkConfig withJumboPool(int jumboMbufs) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    /** Whether frames longer than an mbuf may go out as mbuf chains (when the port can send them). */
    public DpdkConfig withMultiSegmentTx(boolean multiSegmentTx) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    /**
     * Flow isolation to the stack's address {@code ipv4Address} (host order), mode on: only ARP and IPv4 to
     * that address reach the port's queues (on mlx5 the kernel keeps everything else); a PMD that cannot
     * isolate fails the open. See {@link FlowIsolation}.
     */
    public DpdkConfig withFlowIsolation(int ipv4Address) {
        return withFlowIsolation(FlowIsolation.on(ipv4Address));
    }

    /** Flow isolation as given ({@link FlowIsolation#OFF}: none). */
    public DpdkConfig withFlowIsolation(FlowIsolation flowIsolation) {
        return new DpdkConfig(deviceName, devargs, networkNamespace, rxQueues, txQueues, rxDescriptors, txDescriptors,
            poolMbufs, mbufDataRoom, mtu, promiscuous, hardwareOffloads, rssHashFunctions, txQueueFrames, burst, jumboMbufs,
            multiSegmentTx, flowIsolation);
    }

    /** The Ethernet header plus one VLAN tag: a frame is at most MTU + this many bytes. */
    public static final int MAX_L2_HEADER = 14 + 4;

    /**
     * Whether an MTU-sized frame (with one VLAN tag) does not fit one mbuf after its {@code headroom}: the
     * port then receives into mbuf chains (scatter) and the stack's frames come from a jumbo mempool.
     */
    public boolean jumbo(int headroom) {
        return mtu + MAX_L2_HEADER > mbufDataRoom - headroom;
    }

    /** Buffer bytes of each jumbo mbuf: the headroom and an MTU-sized frame with a VLAN tag, in 64-byte steps. */
    public int jumboDataRoom(int headroom) {
        return Math.min(0xFFFF, (headroom + mtu + MAX_L2_HEADER + 63) & ~63);
    }
}
