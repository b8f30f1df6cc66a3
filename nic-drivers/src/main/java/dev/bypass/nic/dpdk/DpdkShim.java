package dev.bypass.nic.dpdk;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * FFM bindings for {@code native/bypass_dpdk.h}, the C shim over DPDK: one static method per C function,
 * one constant per {@code #define}, one nested class per structure (its {@code LAYOUT} and field
 * accessors). Written by hand in the shape jextract generates, because jextract is not available on the
 * build machines; keep it mechanical, and change it only together with the header.
 *
 * <p>To regenerate with jextract instead (then re-apply the two deviations below):
 * <pre>
 *   jextract --output nic-drivers/src/main/java --target-package dev.bypass.nic.dpdk \
 *       --header-class-name DpdkShim --library :native/target/libbypass_dpdk.so native/bypass_dpdk.h
 * </pre>
 *
 * <p>Deviations from jextract's output, both deliberate:
 * <ul>
 *   <li>Pointers to mbufs, mempools, flows, mbuf arrays and {@code FILE} are bound as {@code long}
 *       addresses, not {@code MemorySegment}s: the driver keeps them as 64-bit handles (a pointer is a
 *       64-bit integer in the C ABI), and the fast path then creates no segment per packet. Pointers to
 *       structures, strings and out-parameters stay {@code MemorySegment}s.</li>
 *   <li>The fast-path functions (rx/tx burst, mbuf alloc/free and accessors, mempool counts) are linked
 *       {@linkplain Linker.Option#critical critical}: no thread-state transition, which saves a few
 *       nanoseconds a call. They return within a few microseconds and never call back into Java; a
 *       safepoint waits for them at most that long. (af_packet's tx burst can poll() when the kernel's
 *       ring is full; with the ring drained by each burst's send, that does not happen in practice.)
 *       Critical calls must not be given heap segments.</li>
 * </ul>
 *
 * <p>C types map as jextract maps them: {@code uint16_t} to {@code short}, {@code uint32_t} to
 * {@code int}, {@code uint64_t} to {@code long}, {@code uint8_t} to {@code byte}; callers widen unsigned
 * values ({@link Short#toUnsignedInt}). Functions return DPDK's results untouched (a negative errno on
 * failure; see the header).
 *
 * <p>The library is found and loaded by {@link DpdkLibrary} on first use of a function; if it cannot be,
 * the first call throws {@link DpdkUnavailableException} (wrapped in the class-initialization error of
 * that function's holder), so callers check {@link DpdkLibrary#load()} first.
 */
public final class DpdkShim {
    /** The version of the header these bindings mirror; {@link DpdkLibrary} refuses a library of another. */
    public static final int BP_SHIM_VERSION = 3;

    // Mbuf offload flags (mbuf->ol_flags), DPDK's RTE_MBUF_F_*.
    public static final long BP_MBUF_F_RX_RSS_HASH = 1L << 1;
    public static final long BP_MBUF_F_RX_L4_CKSUM_BAD = 1L << 3;
    public static final long BP_MBUF_F_RX_IP_CKSUM_BAD = 1L << 4;
    public static final long BP_MBUF_F_RX_IP_CKSUM_GOOD = 1L << 7;
    public static final long BP_MBUF_F_RX_L4_CKSUM_GOOD = 1L << 8;
    public static final long BP_MBUF_F_TX_TCP_SEG = 1L << 50;
    public static final long BP_MBUF_F_TX_TCP_CKSUM = 1L << 52;
    public static final long BP_MBUF_F_TX_UDP_CKSUM = 3L << 52;
    public static final long BP_MBUF_F_TX_IP_CKSUM = 1L << 54;
    public static final long BP_MBUF_F_TX_IPV4 = 1L << 55;

    // Port offload capabilities and requests, DPDK's RTE_ETH_RX_OFFLOAD_* / RTE_ETH_TX_OFFLOAD_*.
    public static final long BP_ETH_RX_OFFLOAD_IPV4_CKSUM = 1L << 1;
    public static final long BP_ETH_RX_OFFLOAD_UDP_CKSUM = 1L << 2;
    public static final long BP_ETH_RX_OFFLOAD_TCP_CKSUM = 1L << 3;
    public static final long BP_ETH_RX_OFFLOAD_SCATTER = 1L << 13;
    public static final long BP_ETH_RX_OFFLOAD_RSS_HASH = 1L << 19;
    public static final long BP_ETH_TX_OFFLOAD_IPV4_CKSUM = 1L << 1;
    public static final long BP_ETH_TX_OFFLOAD_UDP_CKSUM = 1L << 2;
    public static final long BP_ETH_TX_OFFLOAD_TCP_CKSUM = 1L << 3;
    public static final long BP_ETH_TX_OFFLOAD_TCP_TSO = 1L << 5;
    public static final long BP_ETH_TX_OFFLOAD_MULTI_SEGS = 1L << 15;

    // RSS hash functions, DPDK's RTE_ETH_RSS_*.
    public static final long BP_ETH_RSS_IPV4 = 1L << 2;
    public static final long BP_ETH_RSS_NONFRAG_IPV4_TCP = 1L << 4;
    public static final long BP_ETH_RSS_NONFRAG_IPV4_UDP = 1L << 5;

    // struct bp_port_conf.rx_mq_mode
    public static final byte BP_ETH_MQ_RX_NONE = 0;
    public static final byte BP_ETH_MQ_RX_RSS = 1;

    public static final int BP_SOCKET_ID_ANY = -1;
    public static final int BP_XSTATS_NAME_SIZE = 64;

    // struct bp_flow_rule.action
    public static final byte BP_FLOW_ACTION_QUEUE = 0;
    public static final byte BP_FLOW_ACTION_DROP = 1;
    public static final byte BP_FLOW_ACTION_RSS = 2;
    /** Most queues one RSS flow action spreads over. */
    public static final int BP_FLOW_MAX_RSS_QUEUES = 1024;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private DpdkShim() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        SymbolLookup symbols = DpdkLibrary.load();
        MemorySegment address = symbols.find(name).orElseThrow(() -> new DpdkUnavailableException(
            "the DPDK shim " + DpdkLibrary.loadedPath() + " has no symbol " + name + ": it is older than these "
                + "bindings; rebuild it (make -C native, or a Maven build)"));
        return LINKER.downcallHandle(address, descriptor, options);
    }

    // A downcall handle invoked with its exact type throws only what the Java side of the link throws;
    // the C function itself cannot throw.
    private static IllegalStateException failed(String function, Throwable t) {
        return new IllegalStateException("FFM downcall to " + function + "() failed", t);
    }

    // ===================================================================================== structures

    /** {@code struct bp_dev_info}: the port facts the driver uses (128 bytes). */
    public static final class bp_dev_info {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("rx_offload_capa"),
            JAVA_LONG.withName("tx_offload_capa"),
            JAVA_LONG.withName("flow_type_rss_offloads"),
            JAVA_INT.withName("if_index"),
            JAVA_INT.withName("max_rx_pktlen"),
            JAVA_INT.withName("speed_capa"),
            JAVA_INT.withName("socket_id"),
            JAVA_SHORT.withName("min_mtu"),
            JAVA_SHORT.withName("max_mtu"),
            JAVA_SHORT.withName("max_rx_queues"),
            JAVA_SHORT.withName("max_tx_queues"),
            JAVA_SHORT.withName("rx_desc_max"),
            JAVA_SHORT.withName("rx_desc_min"),
            JAVA_SHORT.withName("tx_desc_max"),
            JAVA_SHORT.withName("tx_desc_min"),
            JAVA_SHORT.withName("reta_size"),
            JAVA_BYTE.withName("hash_key_size"),
            MemoryLayout.sequenceLayout(5, JAVA_BYTE).withName("reserved"),
            MemoryLayout.sequenceLayout(64, JAVA_BYTE).withName("driver_name")
        ).withName("bp_dev_info");

        private static final long rx_offload_capa$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rx_offload_capa"));
        private static final long tx_offload_capa$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("tx_offload_capa"));
        private static final long flow_type_rss_offloads$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("flow_type_rss_offloads"));
        private static final long if_index$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("if_index"));
        private static final long max_rx_pktlen$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("max_rx_pktlen"));
        private static final long speed_capa$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("speed_capa"));
        private static final long socket_id$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("socket_id"));
        private static final long min_mtu$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("min_mtu"));
        private static final long max_mtu$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("max_mtu"));
        private static final long max_rx_queues$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("max_rx_queues"));
        private static final long max_tx_queues$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("max_tx_queues"));
        private static final long rx_desc_max$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rx_desc_max"));
        private static final long rx_desc_min$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rx_desc_min"));
        private static final long tx_desc_max$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("tx_desc_max"));
        private static final long tx_desc_min$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("tx_desc_min"));
        private static final long reta_size$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("reta_size"));
        private static final long hash_key_size$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("hash_key_size"));
        private static final long driver_name$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("driver_name"));

        private bp_dev_info() {
        }

        public static MemorySegment allocate(SegmentAllocator allocator) {
            return allocator.allocate(LAYOUT);
        }

        public static long rx_offload_capa(MemorySegment struct) {
            return struct.get(JAVA_LONG, rx_offload_capa$OFFSET);
        }

        public static void rx_offload_capa(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, rx_offload_capa$OFFSET, value);
        }

        public static long tx_offload_capa(MemorySegment struct) {
            return struct.get(JAVA_LONG, tx_offload_capa$OFFSET);
        }

        public static void tx_offload_capa(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, tx_offload_capa$OFFSET, value);
        }

        public static long flow_type_rss_offloads(MemorySegment struct) {
            return struct.get(JAVA_LONG, flow_type_rss_offloads$OFFSET);
        }

        public static void flow_type_rss_offloads(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, flow_type_rss_offloads$OFFSET, value);
        }

        public static int if_index(MemorySegment struct) {
            return struct.get(JAVA_INT, if_index$OFFSET);
        }

        public static void if_index(MemorySegment struct, int value) {
            struct.set(JAVA_INT, if_index$OFFSET, value);
        }

        public static int max_rx_pktlen(MemorySegment struct) {
            return struct.get(JAVA_INT, max_rx_pktlen$OFFSET);
        }

        public static void max_rx_pktlen(MemorySegment struct, int value) {
            struct.set(JAVA_INT, max_rx_pktlen$OFFSET, value);
        }

        public static int speed_capa(MemorySegment struct) {
            return struct.get(JAVA_INT, speed_capa$OFFSET);
        }

        public static void speed_capa(MemorySegment struct, int value) {
            struct.set(JAVA_INT, speed_capa$OFFSET, value);
        }

        public static int socket_id(MemorySegment struct) {
            return struct.get(JAVA_INT, socket_id$OFFSET);
        }

        public static void socket_id(MemorySegment struct, int value) {
            struct.set(JAVA_INT, socket_id$OFFSET, value);
        }

        public static short min_mtu(MemorySegment struct) {
            return struct.get(JAVA_SHORT, min_mtu$OFFSET);
        }

        public static void min_mtu(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, min_mtu$OFFSET, value);
        }

        public static short max_mtu(MemorySegment struct) {
            return struct.get(JAVA_SHORT, max_mtu$OFFSET);
        }

        public static void max_mtu(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, max_mtu$OFFSET, value);
        }

        public static short max_rx_queues(MemorySegment struct) {
            return struct.get(JAVA_SHORT, max_rx_queues$OFFSET);
        }

        public static void max_rx_queues(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, max_rx_queues$OFFSET, value);
        }

        public static short max_tx_queues(MemorySegment struct) {
            return struct.get(JAVA_SHORT, max_tx_queues$OFFSET);
        }

        public static void max_tx_queues(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, max_tx_queues$OFFSET, value);
        }

        public static short rx_desc_max(MemorySegment struct) {
            return struct.get(JAVA_SHORT, rx_desc_max$OFFSET);
        }

        public static void rx_desc_max(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, rx_desc_max$OFFSET, value);
        }

        public static short rx_desc_min(MemorySegment struct) {
            return struct.get(JAVA_SHORT, rx_desc_min$OFFSET);
        }

        public static void rx_desc_min(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, rx_desc_min$OFFSET, value);
        }

        public static short tx_desc_max(MemorySegment struct) {
            return struct.get(JAVA_SHORT, tx_desc_max$OFFSET);
        }

        public static void tx_desc_max(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, tx_desc_max$OFFSET, value);
        }

        public static short tx_desc_min(MemorySegment struct) {
            return struct.get(JAVA_SHORT, tx_desc_min$OFFSET);
        }

        public static void tx_desc_min(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, tx_desc_min$OFFSET, value);
        }

        public static short reta_size(MemorySegment struct) {
            return struct.get(JAVA_SHORT, reta_size$OFFSET);
        }

        public static void reta_size(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, reta_size$OFFSET, value);
        }

        public static byte hash_key_size(MemorySegment struct) {
            return struct.get(JAVA_BYTE, hash_key_size$OFFSET);
        }

        public static void hash_key_size(MemorySegment struct, byte value) {
            struct.set(JAVA_BYTE, hash_key_size$OFFSET, value);
        }

        /** The {@code driver_name} array, as a slice of {@code struct}. */
        public static MemorySegment driver_name(MemorySegment struct) {
            return struct.asSlice(driver_name$OFFSET, 64);
        }
    }

    /** {@code struct bp_port_conf}: a flattened rte_eth_conf (40 bytes). */
    public static final class bp_port_conf {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("rx_offloads"),
            JAVA_LONG.withName("tx_offloads"),
            JAVA_LONG.withName("rss_hf"),
            ADDRESS.withName("rss_key"),
            JAVA_INT.withName("mtu"),
            JAVA_BYTE.withName("rx_mq_mode"),
            JAVA_BYTE.withName("rss_key_len"),
            MemoryLayout.sequenceLayout(2, JAVA_BYTE).withName("reserved")
        ).withName("bp_port_conf");

        private static final long rx_offloads$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rx_offloads"));
        private static final long tx_offloads$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("tx_offloads"));
        private static final long rss_hf$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rss_hf"));
        private static final long rss_key$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rss_key"));
        private static final long mtu$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("mtu"));
        private static final long rx_mq_mode$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rx_mq_mode"));
        private static final long rss_key_len$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rss_key_len"));

        private bp_port_conf() {
        }

        public static MemorySegment allocate(SegmentAllocator allocator) {
            return allocator.allocate(LAYOUT);
        }

        public static long rx_offloads(MemorySegment struct) {
            return struct.get(JAVA_LONG, rx_offloads$OFFSET);
        }

        public static void rx_offloads(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, rx_offloads$OFFSET, value);
        }

        public static long tx_offloads(MemorySegment struct) {
            return struct.get(JAVA_LONG, tx_offloads$OFFSET);
        }

        public static void tx_offloads(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, tx_offloads$OFFSET, value);
        }

        public static long rss_hf(MemorySegment struct) {
            return struct.get(JAVA_LONG, rss_hf$OFFSET);
        }

        public static void rss_hf(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, rss_hf$OFFSET, value);
        }

        public static MemorySegment rss_key(MemorySegment struct) {
            return struct.get(ADDRESS, rss_key$OFFSET);
        }

        public static void rss_key(MemorySegment struct, MemorySegment value) {
            struct.set(ADDRESS, rss_key$OFFSET, value);
        }

        public static int mtu(MemorySegment struct) {
            return struct.get(JAVA_INT, mtu$OFFSET);
        }

        public static void mtu(MemorySegment struct, int value) {
            struct.set(JAVA_INT, mtu$OFFSET, value);
        }

        public static byte rx_mq_mode(MemorySegment struct) {
            return struct.get(JAVA_BYTE, rx_mq_mode$OFFSET);
        }

        public static void rx_mq_mode(MemorySegment struct, byte value) {
            struct.set(JAVA_BYTE, rx_mq_mode$OFFSET, value);
        }

        public static byte rss_key_len(MemorySegment struct) {
            return struct.get(JAVA_BYTE, rss_key_len$OFFSET);
        }

        public static void rss_key_len(MemorySegment struct, byte value) {
            struct.set(JAVA_BYTE, rss_key_len$OFFSET, value);
        }
    }

    /** {@code struct bp_link}: rte_eth_link with its bit fields widened (16 bytes). */
    public static final class bp_link {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("speed_mbps"),
            JAVA_SHORT.withName("full_duplex"),
            JAVA_SHORT.withName("autoneg"),
            JAVA_SHORT.withName("up"),
            MemoryLayout.sequenceLayout(3, JAVA_SHORT).withName("reserved")
        ).withName("bp_link");

        private static final long speed_mbps$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("speed_mbps"));
        private static final long full_duplex$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("full_duplex"));
        private static final long autoneg$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("autoneg"));
        private static final long up$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("up"));

        private bp_link() {
        }

        public static MemorySegment allocate(SegmentAllocator allocator) {
            return allocator.allocate(LAYOUT);
        }

        public static int speed_mbps(MemorySegment struct) {
            return struct.get(JAVA_INT, speed_mbps$OFFSET);
        }

        public static void speed_mbps(MemorySegment struct, int value) {
            struct.set(JAVA_INT, speed_mbps$OFFSET, value);
        }

        public static short full_duplex(MemorySegment struct) {
            return struct.get(JAVA_SHORT, full_duplex$OFFSET);
        }

        public static void full_duplex(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, full_duplex$OFFSET, value);
        }

        public static short autoneg(MemorySegment struct) {
            return struct.get(JAVA_SHORT, autoneg$OFFSET);
        }

        public static void autoneg(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, autoneg$OFFSET, value);
        }

        public static short up(MemorySegment struct) {
            return struct.get(JAVA_SHORT, up$OFFSET);
        }

        public static void up(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, up$OFFSET, value);
        }
    }

    /** {@code struct bp_stats}: the port-wide counters of rte_eth_stats (64 bytes). */
    public static final class bp_stats {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("ipackets"),
            JAVA_LONG.withName("opackets"),
            JAVA_LONG.withName("ibytes"),
            JAVA_LONG.withName("obytes"),
            JAVA_LONG.withName("imissed"),
            JAVA_LONG.withName("ierrors"),
            JAVA_LONG.withName("oerrors"),
            JAVA_LONG.withName("rx_nombuf")
        ).withName("bp_stats");

        private static final long ipackets$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("ipackets"));
        private static final long opackets$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("opackets"));
        private static final long ibytes$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("ibytes"));
        private static final long obytes$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("obytes"));
        private static final long imissed$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("imissed"));
        private static final long ierrors$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("ierrors"));
        private static final long oerrors$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("oerrors"));
        private static final long rx_nombuf$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rx_nombuf"));

        private bp_stats() {
        }

        public static MemorySegment allocate(SegmentAllocator allocator) {
            return allocator.allocate(LAYOUT);
        }

        public static long ipackets(MemorySegment struct) {
            return struct.get(JAVA_LONG, ipackets$OFFSET);
        }

        public static void ipackets(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, ipackets$OFFSET, value);
        }

        public static long opackets(MemorySegment struct) {
            return struct.get(JAVA_LONG, opackets$OFFSET);
        }

        public static void opackets(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, opackets$OFFSET, value);
        }

        public static long ibytes(MemorySegment struct) {
            return struct.get(JAVA_LONG, ibytes$OFFSET);
        }

        public static void ibytes(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, ibytes$OFFSET, value);
        }

        public static long obytes(MemorySegment struct) {
            return struct.get(JAVA_LONG, obytes$OFFSET);
        }

        public static void obytes(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, obytes$OFFSET, value);
        }

        public static long imissed(MemorySegment struct) {
            return struct.get(JAVA_LONG, imissed$OFFSET);
        }

        public static void imissed(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, imissed$OFFSET, value);
        }

        public static long ierrors(MemorySegment struct) {
            return struct.get(JAVA_LONG, ierrors$OFFSET);
        }

        public static void ierrors(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, ierrors$OFFSET, value);
        }

        public static long oerrors(MemorySegment struct) {
            return struct.get(JAVA_LONG, oerrors$OFFSET);
        }

        public static void oerrors(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, oerrors$OFFSET, value);
        }

        public static long rx_nombuf(MemorySegment struct) {
            return struct.get(JAVA_LONG, rx_nombuf$OFFSET);
        }

        public static void rx_nombuf(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, rx_nombuf$OFFSET, value);
        }
    }

    /** {@code struct bp_xstat}: one extended statistic, id and value (16 bytes). */
    public static final class bp_xstat {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_LONG.withName("value")
        ).withName("bp_xstat");

        private static final long id$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("id"));
        private static final long value$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("value"));

        private bp_xstat() {
        }

        public static MemorySegment allocate(SegmentAllocator allocator) {
            return allocator.allocate(LAYOUT);
        }

        public static long id(MemorySegment struct) {
            return struct.get(JAVA_LONG, id$OFFSET);
        }

        public static void id(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, id$OFFSET, value);
        }

        public static long value(MemorySegment struct) {
            return struct.get(JAVA_LONG, value$OFFSET);
        }

        public static void value(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, value$OFFSET, value);
        }
    }

    /** {@code struct bp_mbuf_layout}: where struct rte_mbuf keeps its fields (80 bytes). */
    public static final class bp_mbuf_layout {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("mbuf_size"),
            JAVA_INT.withName("headroom"),
            JAVA_INT.withName("buf_addr"),
            JAVA_INT.withName("data_off"),
            JAVA_INT.withName("refcnt"),
            JAVA_INT.withName("nb_segs"),
            JAVA_INT.withName("port"),
            JAVA_INT.withName("ol_flags"),
            JAVA_INT.withName("packet_type"),
            JAVA_INT.withName("pkt_len"),
            JAVA_INT.withName("data_len"),
            JAVA_INT.withName("vlan_tci"),
            JAVA_INT.withName("hash_rss"),
            JAVA_INT.withName("buf_len"),
            JAVA_INT.withName("pool"),
            JAVA_INT.withName("next"),
            JAVA_INT.withName("tx_offload"),
            JAVA_BYTE.withName("l2_len_shift"),
            JAVA_BYTE.withName("l3_len_shift"),
            JAVA_BYTE.withName("l4_len_shift"),
            JAVA_BYTE.withName("tso_segsz_shift"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("reserved")
        ).withName("bp_mbuf_layout");

        private static final long mbuf_size$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("mbuf_size"));
        private static final long headroom$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("headroom"));
        private static final long buf_addr$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("buf_addr"));
        private static final long data_off$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("data_off"));
        private static final long refcnt$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("refcnt"));
        private static final long nb_segs$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("nb_segs"));
        private static final long port$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("port"));
        private static final long ol_flags$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("ol_flags"));
        private static final long packet_type$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("packet_type"));
        private static final long pkt_len$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("pkt_len"));
        private static final long data_len$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("data_len"));
        private static final long vlan_tci$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("vlan_tci"));
        private static final long hash_rss$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("hash_rss"));
        private static final long buf_len$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("buf_len"));
        private static final long pool$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("pool"));
        private static final long next$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("next"));
        private static final long tx_offload$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("tx_offload"));
        private static final long l2_len_shift$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("l2_len_shift"));
        private static final long l3_len_shift$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("l3_len_shift"));
        private static final long l4_len_shift$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("l4_len_shift"));
        private static final long tso_segsz_shift$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("tso_segsz_shift"));

        private bp_mbuf_layout() {
        }

        public static MemorySegment allocate(SegmentAllocator allocator) {
            return allocator.allocate(LAYOUT);
        }

        public static int mbuf_size(MemorySegment struct) {
            return struct.get(JAVA_INT, mbuf_size$OFFSET);
        }

        public static void mbuf_size(MemorySegment struct, int value) {
            struct.set(JAVA_INT, mbuf_size$OFFSET, value);
        }

        public static int headroom(MemorySegment struct) {
            return struct.get(JAVA_INT, headroom$OFFSET);
        }

        public static void headroom(MemorySegment struct, int value) {
            struct.set(JAVA_INT, headroom$OFFSET, value);
        }

        public static int buf_addr(MemorySegment struct) {
            return struct.get(JAVA_INT, buf_addr$OFFSET);
        }

        public static void buf_addr(MemorySegment struct, int value) {
            struct.set(JAVA_INT, buf_addr$OFFSET, value);
        }

        public static int data_off(MemorySegment struct) {
            return struct.get(JAVA_INT, data_off$OFFSET);
        }

        public static void data_off(MemorySegment struct, int value) {
            struct.set(JAVA_INT, data_off$OFFSET, value);
        }

        public static int refcnt(MemorySegment struct) {
            return struct.get(JAVA_INT, refcnt$OFFSET);
        }

        public static void refcnt(MemorySegment struct, int value) {
            struct.set(JAVA_INT, refcnt$OFFSET, value);
        }

        public static int nb_segs(MemorySegment struct) {
            return struct.get(JAVA_INT, nb_segs$OFFSET);
        }

        public static void nb_segs(MemorySegment struct, int value) {
            struct.set(JAVA_INT, nb_segs$OFFSET, value);
        }

        public static int port(MemorySegment struct) {
            return struct.get(JAVA_INT, port$OFFSET);
        }

        public static void port(MemorySegment struct, int value) {
            struct.set(JAVA_INT, port$OFFSET, value);
        }

        public static int ol_flags(MemorySegment struct) {
            return struct.get(JAVA_INT, ol_flags$OFFSET);
        }

        public static void ol_flags(MemorySegment struct, int value) {
            struct.set(JAVA_INT, ol_flags$OFFSET, value);
        }

        public static int packet_type(MemorySegment struct) {
            return struct.get(JAVA_INT, packet_type$OFFSET);
        }

        public static void packet_type(MemorySegment struct, int value) {
            struct.set(JAVA_INT, packet_type$OFFSET, value);
        }

        public static int pkt_len(MemorySegment struct) {
            return struct.get(JAVA_INT, pkt_len$OFFSET);
        }

        public static void pkt_len(MemorySegment struct, int value) {
            struct.set(JAVA_INT, pkt_len$OFFSET, value);
        }

        public static int data_len(MemorySegment struct) {
            return struct.get(JAVA_INT, data_len$OFFSET);
        }

        public static void data_len(MemorySegment struct, int value) {
            struct.set(JAVA_INT, data_len$OFFSET, value);
        }

        public static int vlan_tci(MemorySegment struct) {
            return struct.get(JAVA_INT, vlan_tci$OFFSET);
        }

        public static void vlan_tci(MemorySegment struct, int value) {
            struct.set(JAVA_INT, vlan_tci$OFFSET, value);
        }

        public static int hash_rss(MemorySegment struct) {
            return struct.get(JAVA_INT, hash_rss$OFFSET);
        }

        public static void hash_rss(MemorySegment struct, int value) {
            struct.set(JAVA_INT, hash_rss$OFFSET, value);
        }

        public static int buf_len(MemorySegment struct) {
            return struct.get(JAVA_INT, buf_len$OFFSET);
        }

        public static void buf_len(MemorySegment struct, int value) {
            struct.set(JAVA_INT, buf_len$OFFSET, value);
        }

        public static int pool(MemorySegment struct) {
            return struct.get(JAVA_INT, pool$OFFSET);
        }

        public static void pool(MemorySegment struct, int value) {
            struct.set(JAVA_INT, pool$OFFSET, value);
        }

        public static int next(MemorySegment struct) {
            return struct.get(JAVA_INT, next$OFFSET);
        }

        public static void next(MemorySegment struct, int value) {
            struct.set(JAVA_INT, next$OFFSET, value);
        }

        public static int tx_offload(MemorySegment struct) {
            return struct.get(JAVA_INT, tx_offload$OFFSET);
        }

        public static void tx_offload(MemorySegment struct, int value) {
            struct.set(JAVA_INT, tx_offload$OFFSET, value);
        }

        public static byte l2_len_shift(MemorySegment struct) {
            return struct.get(JAVA_BYTE, l2_len_shift$OFFSET);
        }

        public static void l2_len_shift(MemorySegment struct, byte value) {
            struct.set(JAVA_BYTE, l2_len_shift$OFFSET, value);
        }

        public static byte l3_len_shift(MemorySegment struct) {
            return struct.get(JAVA_BYTE, l3_len_shift$OFFSET);
        }

        public static void l3_len_shift(MemorySegment struct, byte value) {
            struct.set(JAVA_BYTE, l3_len_shift$OFFSET, value);
        }

        public static byte l4_len_shift(MemorySegment struct) {
            return struct.get(JAVA_BYTE, l4_len_shift$OFFSET);
        }

        public static void l4_len_shift(MemorySegment struct, byte value) {
            struct.set(JAVA_BYTE, l4_len_shift$OFFSET, value);
        }

        public static byte tso_segsz_shift(MemorySegment struct) {
            return struct.get(JAVA_BYTE, tso_segsz_shift$OFFSET);
        }

        public static void tso_segsz_shift(MemorySegment struct, byte value) {
            struct.set(JAVA_BYTE, tso_segsz_shift$OFFSET, value);
        }
    }

    /** {@code struct bp_flow_rule}: a minimal rte_flow rule (64 bytes). */
    public static final class bp_flow_rule {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("priority"),
            JAVA_INT.withName("group"),
            JAVA_INT.withName("ipv4_src"),
            JAVA_INT.withName("ipv4_src_mask"),
            JAVA_INT.withName("ipv4_dst"),
            JAVA_INT.withName("ipv4_dst_mask"),
            JAVA_SHORT.withName("src_port"),
            JAVA_SHORT.withName("src_port_mask"),
            JAVA_SHORT.withName("dst_port"),
            JAVA_SHORT.withName("dst_port_mask"),
            JAVA_BYTE.withName("ip_proto"),
            JAVA_BYTE.withName("action"),
            JAVA_SHORT.withName("queue"),
            JAVA_SHORT.withName("ether_type"),
            JAVA_SHORT.withName("rss_queues"),
            JAVA_INT.withName("rss_key_len"),
            JAVA_INT.withName("reserved"),
            JAVA_LONG.withName("rss_types"),
            ADDRESS.withName("rss_key")
        ).withName("bp_flow_rule");

        private static final long priority$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("priority"));
        private static final long group$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("group"));
        private static final long ipv4_src$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("ipv4_src"));
        private static final long ipv4_src_mask$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("ipv4_src_mask"));
        private static final long ipv4_dst$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("ipv4_dst"));
        private static final long ipv4_dst_mask$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("ipv4_dst_mask"));
        private static final long src_port$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("src_port"));
        private static final long src_port_mask$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("src_port_mask"));
        private static final long dst_port$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("dst_port"));
        private static final long dst_port_mask$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("dst_port_mask"));
        private static final long ip_proto$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("ip_proto"));
        private static final long action$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("action"));
        private static final long queue$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("queue"));
        private static final long ether_type$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("ether_type"));
        private static final long rss_queues$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rss_queues"));
        private static final long rss_key_len$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rss_key_len"));
        private static final long rss_types$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rss_types"));
        private static final long rss_key$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("rss_key"));

        private bp_flow_rule() {
        }

        public static MemorySegment allocate(SegmentAllocator allocator) {
            return allocator.allocate(LAYOUT);
        }

        public static int priority(MemorySegment struct) {
            return struct.get(JAVA_INT, priority$OFFSET);
        }

        public static void priority(MemorySegment struct, int value) {
            struct.set(JAVA_INT, priority$OFFSET, value);
        }

        public static int group(MemorySegment struct) {
            return struct.get(JAVA_INT, group$OFFSET);
        }

        public static void group(MemorySegment struct, int value) {
            struct.set(JAVA_INT, group$OFFSET, value);
        }

        public static int ipv4_src(MemorySegment struct) {
            return struct.get(JAVA_INT, ipv4_src$OFFSET);
        }

        public static void ipv4_src(MemorySegment struct, int value) {
            struct.set(JAVA_INT, ipv4_src$OFFSET, value);
        }

        public static int ipv4_src_mask(MemorySegment struct) {
            return struct.get(JAVA_INT, ipv4_src_mask$OFFSET);
        }

        public static void ipv4_src_mask(MemorySegment struct, int value) {
            struct.set(JAVA_INT, ipv4_src_mask$OFFSET, value);
        }

        public static int ipv4_dst(MemorySegment struct) {
            return struct.get(JAVA_INT, ipv4_dst$OFFSET);
        }

        public static void ipv4_dst(MemorySegment struct, int value) {
            struct.set(JAVA_INT, ipv4_dst$OFFSET, value);
        }

        public static int ipv4_dst_mask(MemorySegment struct) {
            return struct.get(JAVA_INT, ipv4_dst_mask$OFFSET);
        }

        public static void ipv4_dst_mask(MemorySegment struct, int value) {
            struct.set(JAVA_INT, ipv4_dst_mask$OFFSET, value);
        }

        public static short src_port(MemorySegment struct) {
            return struct.get(JAVA_SHORT, src_port$OFFSET);
        }

        public static void src_port(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, src_port$OFFSET, value);
        }

        public static short src_port_mask(MemorySegment struct) {
            return struct.get(JAVA_SHORT, src_port_mask$OFFSET);
        }

        public static void src_port_mask(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, src_port_mask$OFFSET, value);
        }

        public static short dst_port(MemorySegment struct) {
            return struct.get(JAVA_SHORT, dst_port$OFFSET);
        }

        public static void dst_port(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, dst_port$OFFSET, value);
        }

        public static short dst_port_mask(MemorySegment struct) {
            return struct.get(JAVA_SHORT, dst_port_mask$OFFSET);
        }

        public static void dst_port_mask(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, dst_port_mask$OFFSET, value);
        }

        public static byte ip_proto(MemorySegment struct) {
            return struct.get(JAVA_BYTE, ip_proto$OFFSET);
        }

        public static void ip_proto(MemorySegment struct, byte value) {
            struct.set(JAVA_BYTE, ip_proto$OFFSET, value);
        }

        public static byte action(MemorySegment struct) {
            return struct.get(JAVA_BYTE, action$OFFSET);
        }

        public static void action(MemorySegment struct, byte value) {
            struct.set(JAVA_BYTE, action$OFFSET, value);
        }

        public static short queue(MemorySegment struct) {
            return struct.get(JAVA_SHORT, queue$OFFSET);
        }

        public static void queue(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, queue$OFFSET, value);
        }

        public static short ether_type(MemorySegment struct) {
            return struct.get(JAVA_SHORT, ether_type$OFFSET);
        }

        public static void ether_type(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, ether_type$OFFSET, value);
        }

        public static short rss_queues(MemorySegment struct) {
            return struct.get(JAVA_SHORT, rss_queues$OFFSET);
        }

        public static void rss_queues(MemorySegment struct, short value) {
            struct.set(JAVA_SHORT, rss_queues$OFFSET, value);
        }

        public static int rss_key_len(MemorySegment struct) {
            return struct.get(JAVA_INT, rss_key_len$OFFSET);
        }

        public static void rss_key_len(MemorySegment struct, int value) {
            struct.set(JAVA_INT, rss_key_len$OFFSET, value);
        }

        public static long rss_types(MemorySegment struct) {
            return struct.get(JAVA_LONG, rss_types$OFFSET);
        }

        public static void rss_types(MemorySegment struct, long value) {
            struct.set(JAVA_LONG, rss_types$OFFSET, value);
        }

        public static MemorySegment rss_key(MemorySegment struct) {
            return struct.get(ADDRESS, rss_key$OFFSET);
        }

        public static void rss_key(MemorySegment struct, MemorySegment value) {
            struct.set(ADDRESS, rss_key$OFFSET, value);
        }
    }

    /** {@code struct bp_flow_error}: what went wrong in an rte_flow call (132 bytes). */
    public static final class bp_flow_error {
        public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("type"),
            MemoryLayout.sequenceLayout(128, JAVA_BYTE).withName("message")
        ).withName("bp_flow_error");

        private static final long type$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("type"));
        private static final long message$OFFSET = LAYOUT.byteOffset(PathElement.groupElement("message"));

        private bp_flow_error() {
        }

        public static MemorySegment allocate(SegmentAllocator allocator) {
            return allocator.allocate(LAYOUT);
        }

        public static int type(MemorySegment struct) {
            return struct.get(JAVA_INT, type$OFFSET);
        }

        public static void type(MemorySegment struct, int value) {
            struct.set(JAVA_INT, type$OFFSET, value);
        }

        /** The {@code message} array, as a slice of {@code struct}. */
        public static MemorySegment message(MemorySegment struct) {
            return struct.asSlice(message$OFFSET, 128);
        }
    }

    // ====================================================================================== functions

    private static final class bp_shim_version$h {
        static final MethodHandle HANDLE = downcall("bp_shim_version", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code int bp_shim_version(void)} */
    public static int bp_shim_version() {
        try {
            return (int) bp_shim_version$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_shim_version", t);
        }
    }

    private static final class bp_sizeof_dev_info$h {
        static final MethodHandle HANDLE = downcall("bp_sizeof_dev_info", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code uint32_t bp_sizeof_dev_info(void)} */
    public static int bp_sizeof_dev_info() {
        try {
            return (int) bp_sizeof_dev_info$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_sizeof_dev_info", t);
        }
    }

    private static final class bp_sizeof_port_conf$h {
        static final MethodHandle HANDLE = downcall("bp_sizeof_port_conf", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code uint32_t bp_sizeof_port_conf(void)} */
    public static int bp_sizeof_port_conf() {
        try {
            return (int) bp_sizeof_port_conf$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_sizeof_port_conf", t);
        }
    }

    private static final class bp_sizeof_link$h {
        static final MethodHandle HANDLE = downcall("bp_sizeof_link", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code uint32_t bp_sizeof_link(void)} */
    public static int bp_sizeof_link() {
        try {
            return (int) bp_sizeof_link$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_sizeof_link", t);
        }
    }

    private static final class bp_sizeof_stats$h {
        static final MethodHandle HANDLE = downcall("bp_sizeof_stats", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code uint32_t bp_sizeof_stats(void)} */
    public static int bp_sizeof_stats() {
        try {
            return (int) bp_sizeof_stats$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_sizeof_stats", t);
        }
    }

    private static final class bp_sizeof_mbuf_layout$h {
        static final MethodHandle HANDLE = downcall("bp_sizeof_mbuf_layout", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code uint32_t bp_sizeof_mbuf_layout(void)} */
    public static int bp_sizeof_mbuf_layout() {
        try {
            return (int) bp_sizeof_mbuf_layout$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_sizeof_mbuf_layout", t);
        }
    }

    private static final class bp_sizeof_flow_rule$h {
        static final MethodHandle HANDLE = downcall("bp_sizeof_flow_rule", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code uint32_t bp_sizeof_flow_rule(void)} */
    public static int bp_sizeof_flow_rule() {
        try {
            return (int) bp_sizeof_flow_rule$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_sizeof_flow_rule", t);
        }
    }

    private static final class bp_sizeof_flow_error$h {
        static final MethodHandle HANDLE = downcall("bp_sizeof_flow_error", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code uint32_t bp_sizeof_flow_error(void)} */
    public static int bp_sizeof_flow_error() {
        try {
            return (int) bp_sizeof_flow_error$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_sizeof_flow_error", t);
        }
    }

    private static final class bp_eal_init$h {
        static final MethodHandle HANDLE = downcall("bp_eal_init", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    /** {@code int bp_eal_init(int argc, char **argv)} */
    public static int bp_eal_init(int argc, MemorySegment argv) {
        try {
            return (int) bp_eal_init$h.HANDLE.invokeExact(argc, argv);
        } catch (Throwable t) {
            throw failed("bp_eal_init", t);
        }
    }

    private static final class bp_eal_cleanup$h {
        static final MethodHandle HANDLE = downcall("bp_eal_cleanup", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code int bp_eal_cleanup(void)} */
    public static int bp_eal_cleanup() {
        try {
            return (int) bp_eal_cleanup$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_eal_cleanup", t);
        }
    }

    private static final class bp_errno$h {
        static final MethodHandle HANDLE = downcall("bp_errno", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code int bp_errno(void)} */
    public static int bp_errno() {
        try {
            return (int) bp_errno$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_errno", t);
        }
    }

    private static final class bp_strerror$h {
        static final MethodHandle HANDLE = downcall("bp_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /** {@code const char *bp_strerror(int errnum)} */
    public static MemorySegment bp_strerror(int errnum) {
        try {
            return (MemorySegment) bp_strerror$h.HANDLE.invokeExact(errnum);
        } catch (Throwable t) {
            throw failed("bp_strerror", t);
        }
    }

    private static final class bp_openlog_stream$h {
        static final MethodHandle HANDLE = downcall("bp_openlog_stream", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    }

    /** {@code int bp_openlog_stream(FILE *f)} */
    public static int bp_openlog_stream(long f) {
        try {
            return (int) bp_openlog_stream$h.HANDLE.invokeExact(f);
        } catch (Throwable t) {
            throw failed("bp_openlog_stream", t);
        }
    }

    private static final class bp_log_set_global_level$h {
        static final MethodHandle HANDLE = downcall("bp_log_set_global_level", FunctionDescriptor.ofVoid(JAVA_INT));
    }

    /** {@code void bp_log_set_global_level(uint32_t level)} */
    public static void bp_log_set_global_level(int level) {
        try {
            bp_log_set_global_level$h.HANDLE.invokeExact(level);
        } catch (Throwable t) {
            throw failed("bp_log_set_global_level", t);
        }
    }

    private static final class bp_thread_register$h {
        static final MethodHandle HANDLE = downcall("bp_thread_register", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code int bp_thread_register(void)} */
    public static int bp_thread_register() {
        try {
            return (int) bp_thread_register$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_thread_register", t);
        }
    }

    private static final class bp_thread_unregister$h {
        static final MethodHandle HANDLE = downcall("bp_thread_unregister", FunctionDescriptor.ofVoid());
    }

    /** {@code void bp_thread_unregister(void)} */
    public static void bp_thread_unregister() {
        try {
            bp_thread_unregister$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_thread_unregister", t);
        }
    }

    private static final class bp_lcore_id$h {
        static final MethodHandle HANDLE = downcall("bp_lcore_id", FunctionDescriptor.of(JAVA_INT));
    }

    /** {@code uint32_t bp_lcore_id(void)} */
    public static int bp_lcore_id() {
        try {
            return (int) bp_lcore_id$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_lcore_id", t);
        }
    }

    private static final class bp_dev_probe$h {
        static final MethodHandle HANDLE = downcall("bp_dev_probe", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    /** {@code int bp_dev_probe(const char *devargs)} */
    public static int bp_dev_probe(MemorySegment devargs) {
        try {
            return (int) bp_dev_probe$h.HANDLE.invokeExact(devargs);
        } catch (Throwable t) {
            throw failed("bp_dev_probe", t);
        }
    }

    private static final class bp_dev_remove$h {
        static final MethodHandle HANDLE = downcall("bp_dev_remove", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    /** {@code int bp_dev_remove(const char *bus, const char *device_name)} */
    public static int bp_dev_remove(MemorySegment bus, MemorySegment deviceName) {
        try {
            return (int) bp_dev_remove$h.HANDLE.invokeExact(bus, deviceName);
        } catch (Throwable t) {
            throw failed("bp_dev_remove", t);
        }
    }

    private static final class bp_ring_pair$h {
        static final MethodHandle HANDLE = downcall("bp_ring_pair", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
            ADDRESS, JAVA_SHORT, JAVA_INT, JAVA_INT));
    }

    /**
     * {@code int bp_ring_pair(const char *tag, const char *a_name, const char *b_name, uint16_t queues,
     * uint32_t ring_size, int socket_id)}
     */
    public static int bp_ring_pair(MemorySegment tag, MemorySegment aName, MemorySegment bName, short queues,
                                   int ringSize, int socketId) {
        try {
            return (int) bp_ring_pair$h.HANDLE.invokeExact(tag, aName, bName, queues, ringSize, socketId);
        } catch (Throwable t) {
            throw failed("bp_ring_pair", t);
        }
    }

    private static final class bp_ring_pair_free$h {
        static final MethodHandle HANDLE = downcall("bp_ring_pair_free", FunctionDescriptor.ofVoid(ADDRESS, JAVA_SHORT));
    }

    /** {@code void bp_ring_pair_free(const char *tag, uint16_t queues)} */
    public static void bp_ring_pair_free(MemorySegment tag, short queues) {
        try {
            bp_ring_pair_free$h.HANDLE.invokeExact(tag, queues);
        } catch (Throwable t) {
            throw failed("bp_ring_pair_free", t);
        }
    }

    private static final class bp_eth_dev_count_avail$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_count_avail", FunctionDescriptor.of(JAVA_SHORT));
    }

    /** {@code uint16_t bp_eth_dev_count_avail(void)} */
    public static short bp_eth_dev_count_avail() {
        try {
            return (short) bp_eth_dev_count_avail$h.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw failed("bp_eth_dev_count_avail", t);
        }
    }

    private static final class bp_eth_dev_is_valid_port$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_is_valid_port",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    }

    /** {@code int bp_eth_dev_is_valid_port(uint16_t port)} */
    public static int bp_eth_dev_is_valid_port(short port) {
        try {
            return (int) bp_eth_dev_is_valid_port$h.HANDLE.invokeExact(port);
        } catch (Throwable t) {
            throw failed("bp_eth_dev_is_valid_port", t);
        }
    }

    private static final class bp_eth_dev_get_port_by_name$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_get_port_by_name",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    /** {@code int bp_eth_dev_get_port_by_name(const char *name, uint16_t *port)} */
    public static int bp_eth_dev_get_port_by_name(MemorySegment name, MemorySegment port) {
        try {
            return (int) bp_eth_dev_get_port_by_name$h.HANDLE.invokeExact(name, port);
        } catch (Throwable t) {
            throw failed("bp_eth_dev_get_port_by_name", t);
        }
    }

    private static final class bp_eth_dev_socket_id$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_socket_id",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    }

    /** {@code int bp_eth_dev_socket_id(uint16_t port)} */
    public static int bp_eth_dev_socket_id(short port) {
        try {
            return (int) bp_eth_dev_socket_id$h.HANDLE.invokeExact(port);
        } catch (Throwable t) {
            throw failed("bp_eth_dev_socket_id", t);
        }
    }

    private static final class bp_eth_dev_info$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_info",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    }

    /** {@code int bp_eth_dev_info(uint16_t port, struct bp_dev_info *info)} */
    public static int bp_eth_dev_info(short port, MemorySegment info) {
        try {
            return (int) bp_eth_dev_info$h.HANDLE.invokeExact(port, info);
        } catch (Throwable t) {
            throw failed("bp_eth_dev_info", t);
        }
    }

    private static final class bp_eth_dev_configure$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_configure",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, ADDRESS));
    }

    /** {@code int bp_eth_dev_configure(uint16_t port, uint16_t rx_queues, uint16_t tx_queues, const struct bp_port_conf *conf)} */
    public static int bp_eth_dev_configure(short port, short rxQueues, short txQueues, MemorySegment conf) {
        try {
            return (int) bp_eth_dev_configure$h.HANDLE.invokeExact(port, rxQueues, txQueues, conf);
        } catch (Throwable t) {
            throw failed("bp_eth_dev_configure", t);
        }
    }

    private static final class bp_eth_dev_adjust_nb_rx_tx_desc$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_adjust_nb_rx_tx_desc",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, ADDRESS));
    }

    /** {@code int bp_eth_dev_adjust_nb_rx_tx_desc(uint16_t port, uint16_t *rx_desc, uint16_t *tx_desc)} */
    public static int bp_eth_dev_adjust_nb_rx_tx_desc(short port, MemorySegment rxDesc, MemorySegment txDesc) {
        try {
            return (int) bp_eth_dev_adjust_nb_rx_tx_desc$h.HANDLE.invokeExact(port, rxDesc, txDesc);
        } catch (Throwable t) {
            throw failed("bp_eth_dev_adjust_nb_rx_tx_desc", t);
        }
    }

    private static final class bp_eth_rx_queue_setup$h {
        static final MethodHandle HANDLE = downcall("bp_eth_rx_queue_setup",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    }

    /** {@code int bp_eth_rx_queue_setup(uint16_t port, uint16_t queue, uint16_t descriptors, int socket_id, uint64_t offloads, struct rte_mempool *pool)} */
    public static int bp_eth_rx_queue_setup(short port, short queue, short descriptors, int socketId, long offloads, long pool) {
        try {
            return (int) bp_eth_rx_queue_setup$h.HANDLE.invokeExact(port, queue, descriptors, socketId, offloads, pool);
        } catch (Throwable t) {
            throw failed("bp_eth_rx_queue_setup", t);
        }
    }

    private static final class bp_eth_tx_queue_setup$h {
        static final MethodHandle HANDLE = downcall("bp_eth_tx_queue_setup",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_INT, JAVA_LONG));
    }

    /** {@code int bp_eth_tx_queue_setup(uint16_t port, uint16_t queue, uint16_t descriptors, int socket_id, uint64_t offloads)} */
    public static int bp_eth_tx_queue_setup(short port, short queue, short descriptors, int socketId, long offloads) {
        try {
            return (int) bp_eth_tx_queue_setup$h.HANDLE.invokeExact(port, queue, descriptors, socketId, offloads);
        } catch (Throwable t) {
            throw failed("bp_eth_tx_queue_setup", t);
        }
    }

    private static final class bp_eth_dev_start$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_start", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    }

    /** {@code int bp_eth_dev_start(uint16_t port)} */
    public static int bp_eth_dev_start(short port) {
        try {
            return (int) bp_eth_dev_start$h.HANDLE.invokeExact(port);
        } catch (Throwable t) {
            throw failed("bp_eth_dev_start", t);
        }
    }

    private static final class bp_eth_dev_stop$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_stop", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    }

    /** {@code int bp_eth_dev_stop(uint16_t port)} */
    public static int bp_eth_dev_stop(short port) {
        try {
            return (int) bp_eth_dev_stop$h.HANDLE.invokeExact(port);
        } catch (Throwable t) {
            throw failed("bp_eth_dev_stop", t);
        }
    }

    private static final class bp_eth_dev_close$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_close", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    }

    /** {@code int bp_eth_dev_close(uint16_t port)} */
    public static int bp_eth_dev_close(short port) {
        try {
            return (int) bp_eth_dev_close$h.HANDLE.invokeExact(port);
        } catch (Throwable t) {
            throw failed("bp_eth_dev_close", t);
        }
    }

    private static final class bp_eth_dev_set_mtu$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_set_mtu",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_SHORT));
    }

    /** {@code int bp_eth_dev_set_mtu(uint16_t port, uint16_t mtu)} */
    public static int bp_eth_dev_set_mtu(short port, short mtu) {
        try {
            return (int) bp_eth_dev_set_mtu$h.HANDLE.invokeExact(port, mtu);
        } catch (Throwable t) {
            throw failed("bp_eth_dev_set_mtu", t);
        }
    }

    private static final class bp_eth_dev_get_mtu$h {
        static final MethodHandle HANDLE = downcall("bp_eth_dev_get_mtu",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    }

    /** {@code int bp_eth_dev_get_mtu(uint16_t port, uint16_t *mtu)} */
    public static int bp_eth_dev_get_mtu(short port, MemorySegment mtu) {
        try {
            return (int) bp_eth_dev_get_mtu$h.HANDLE.invokeExact(port, mtu);
        } catch (Throwable t) {
            throw failed("bp_eth_dev_get_mtu", t);
        }
    }

    private static final class bp_eth_link_get_nowait$h {
        static final MethodHandle HANDLE = downcall("bp_eth_link_get_nowait",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    }

    /** {@code int bp_eth_link_get_nowait(uint16_t port, struct bp_link *link)} */
    public static int bp_eth_link_get_nowait(short port, MemorySegment link) {
        try {
            return (int) bp_eth_link_get_nowait$h.HANDLE.invokeExact(port, link);
        } catch (Throwable t) {
            throw failed("bp_eth_link_get_nowait", t);
        }
    }

    private static final class bp_eth_promiscuous_enable$h {
        static final MethodHandle HANDLE = downcall("bp_eth_promiscuous_enable",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    }

    /** {@code int bp_eth_promiscuous_enable(uint16_t port)} */
    public static int bp_eth_promiscuous_enable(short port) {
        try {
            return (int) bp_eth_promiscuous_enable$h.HANDLE.invokeExact(port);
        } catch (Throwable t) {
            throw failed("bp_eth_promiscuous_enable", t);
        }
    }

    private static final class bp_eth_promiscuous_disable$h {
        static final MethodHandle HANDLE = downcall("bp_eth_promiscuous_disable",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    }

    /** {@code int bp_eth_promiscuous_disable(uint16_t port)} */
    public static int bp_eth_promiscuous_disable(short port) {
        try {
            return (int) bp_eth_promiscuous_disable$h.HANDLE.invokeExact(port);
        } catch (Throwable t) {
            throw failed("bp_eth_promiscuous_disable", t);
        }
    }

    private static final class bp_eth_allmulticast_enable$h {
        static final MethodHandle HANDLE = downcall("bp_eth_allmulticast_enable",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    }

    /** {@code int bp_eth_allmulticast_enable(uint16_t port)} */
    public static int bp_eth_allmulticast_enable(short port) {
        try {
            return (int) bp_eth_allmulticast_enable$h.HANDLE.invokeExact(port);
        } catch (Throwable t) {
            throw failed("bp_eth_allmulticast_enable", t);
        }
    }

    private static final class bp_eth_macaddr_get$h {
        static final MethodHandle HANDLE = downcall("bp_eth_macaddr_get",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    }

    /** {@code int bp_eth_macaddr_get(uint16_t port, uint8_t mac[6])} */
    public static int bp_eth_macaddr_get(short port, MemorySegment mac) {
        try {
            return (int) bp_eth_macaddr_get$h.HANDLE.invokeExact(port, mac);
        } catch (Throwable t) {
            throw failed("bp_eth_macaddr_get", t);
        }
    }

    private static final class bp_eth_stats_get$h {
        static final MethodHandle HANDLE = downcall("bp_eth_stats_get",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    }

    /** {@code int bp_eth_stats_get(uint16_t port, struct bp_stats *stats)} */
    public static int bp_eth_stats_get(short port, MemorySegment stats) {
        try {
            return (int) bp_eth_stats_get$h.HANDLE.invokeExact(port, stats);
        } catch (Throwable t) {
            throw failed("bp_eth_stats_get", t);
        }
    }

    private static final class bp_eth_stats_reset$h {
        static final MethodHandle HANDLE = downcall("bp_eth_stats_reset", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT));
    }

    /** {@code int bp_eth_stats_reset(uint16_t port)} */
    public static int bp_eth_stats_reset(short port) {
        try {
            return (int) bp_eth_stats_reset$h.HANDLE.invokeExact(port);
        } catch (Throwable t) {
            throw failed("bp_eth_stats_reset", t);
        }
    }

    private static final class bp_eth_xstats_get_names$h {
        static final MethodHandle HANDLE = downcall("bp_eth_xstats_get_names",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, JAVA_INT));
    }

    /** {@code int bp_eth_xstats_get_names(uint16_t port, char *names, uint32_t n)} */
    public static int bp_eth_xstats_get_names(short port, MemorySegment names, int n) {
        try {
            return (int) bp_eth_xstats_get_names$h.HANDLE.invokeExact(port, names, n);
        } catch (Throwable t) {
            throw failed("bp_eth_xstats_get_names", t);
        }
    }

    private static final class bp_eth_xstats_get$h {
        static final MethodHandle HANDLE = downcall("bp_eth_xstats_get",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, JAVA_INT));
    }

    /** {@code int bp_eth_xstats_get(uint16_t port, struct bp_xstat *xstats, uint32_t n)} */
    public static int bp_eth_xstats_get(short port, MemorySegment xstats, int n) {
        try {
            return (int) bp_eth_xstats_get$h.HANDLE.invokeExact(port, xstats, n);
        } catch (Throwable t) {
            throw failed("bp_eth_xstats_get", t);
        }
    }

    private static final class bp_eth_rss_hash_update$h {
        static final MethodHandle HANDLE = downcall("bp_eth_rss_hash_update",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, JAVA_BYTE, JAVA_LONG));
    }

    /** {@code int bp_eth_rss_hash_update(uint16_t port, const uint8_t *key, uint8_t key_len, uint64_t rss_hf)} */
    public static int bp_eth_rss_hash_update(short port, MemorySegment key, byte keyLen, long rssHf) {
        try {
            return (int) bp_eth_rss_hash_update$h.HANDLE.invokeExact(port, key, keyLen, rssHf);
        } catch (Throwable t) {
            throw failed("bp_eth_rss_hash_update", t);
        }
    }

    private static final class bp_eth_rss_hash_conf_get$h {
        static final MethodHandle HANDLE = downcall("bp_eth_rss_hash_conf_get",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, JAVA_BYTE, ADDRESS));
    }

    /** {@code int bp_eth_rss_hash_conf_get(uint16_t port, uint8_t *key, uint8_t key_len, uint64_t *rss_hf)} */
    public static int bp_eth_rss_hash_conf_get(short port, MemorySegment key, byte keyLen, MemorySegment rssHf) {
        try {
            return (int) bp_eth_rss_hash_conf_get$h.HANDLE.invokeExact(port, key, keyLen, rssHf);
        } catch (Throwable t) {
            throw failed("bp_eth_rss_hash_conf_get", t);
        }
    }

    private static final class bp_eth_rss_reta_update$h {
        static final MethodHandle HANDLE = downcall("bp_eth_rss_reta_update",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, JAVA_SHORT));
    }

    /** {@code int bp_eth_rss_reta_update(uint16_t port, const uint16_t *queues, uint16_t reta_size)} */
    public static int bp_eth_rss_reta_update(short port, MemorySegment queues, short retaSize) {
        try {
            return (int) bp_eth_rss_reta_update$h.HANDLE.invokeExact(port, queues, retaSize);
        } catch (Throwable t) {
            throw failed("bp_eth_rss_reta_update", t);
        }
    }

    private static final class bp_eth_rss_reta_query$h {
        static final MethodHandle HANDLE = downcall("bp_eth_rss_reta_query",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, JAVA_SHORT));
    }

    /** {@code int bp_eth_rss_reta_query(uint16_t port, uint16_t *queues, uint16_t reta_size)} */
    public static int bp_eth_rss_reta_query(short port, MemorySegment queues, short retaSize) {
        try {
            return (int) bp_eth_rss_reta_query$h.HANDLE.invokeExact(port, queues, retaSize);
        } catch (Throwable t) {
            throw failed("bp_eth_rss_reta_query", t);
        }
    }

    private static final class bp_flow_validate$h {
        static final MethodHandle HANDLE = downcall("bp_flow_validate",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS, ADDRESS));
    }

    /** {@code int bp_flow_validate(uint16_t port, const struct bp_flow_rule *rule, struct bp_flow_error *error)} */
    public static int bp_flow_validate(short port, MemorySegment rule, MemorySegment error) {
        try {
            return (int) bp_flow_validate$h.HANDLE.invokeExact(port, rule, error);
        } catch (Throwable t) {
            throw failed("bp_flow_validate", t);
        }
    }

    private static final class bp_flow_create$h {
        static final MethodHandle HANDLE = downcall("bp_flow_create",
            FunctionDescriptor.of(JAVA_LONG, JAVA_SHORT, ADDRESS, ADDRESS));
    }

    /** {@code struct rte_flow *bp_flow_create(uint16_t port, const struct bp_flow_rule *rule, struct bp_flow_error *error)} */
    public static long bp_flow_create(short port, MemorySegment rule, MemorySegment error) {
        try {
            return (long) bp_flow_create$h.HANDLE.invokeExact(port, rule, error);
        } catch (Throwable t) {
            throw failed("bp_flow_create", t);
        }
    }

    private static final class bp_flow_destroy$h {
        static final MethodHandle HANDLE = downcall("bp_flow_destroy",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_LONG, ADDRESS));
    }

    /** {@code int bp_flow_destroy(uint16_t port, struct rte_flow *flow, struct bp_flow_error *error)} */
    public static int bp_flow_destroy(short port, long flow, MemorySegment error) {
        try {
            return (int) bp_flow_destroy$h.HANDLE.invokeExact(port, flow, error);
        } catch (Throwable t) {
            throw failed("bp_flow_destroy", t);
        }
    }

    private static final class bp_flow_flush$h {
        static final MethodHandle HANDLE = downcall("bp_flow_flush",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    }

    /** {@code int bp_flow_flush(uint16_t port, struct bp_flow_error *error)} */
    public static int bp_flow_flush(short port, MemorySegment error) {
        try {
            return (int) bp_flow_flush$h.HANDLE.invokeExact(port, error);
        } catch (Throwable t) {
            throw failed("bp_flow_flush", t);
        }
    }

    private static final class bp_flow_isolate$h {
        static final MethodHandle HANDLE = downcall("bp_flow_isolate",
            FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, JAVA_INT, ADDRESS));
    }

    /** {@code int bp_flow_isolate(uint16_t port, int set, struct bp_flow_error *error)} */
    public static int bp_flow_isolate(short port, int set, MemorySegment error) {
        try {
            return (int) bp_flow_isolate$h.HANDLE.invokeExact(port, set, error);
        } catch (Throwable t) {
            throw failed("bp_flow_isolate", t);
        }
    }

    private static final class bp_pktmbuf_pool_create$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_pool_create",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_SHORT, JAVA_SHORT, JAVA_INT));
    }

    /** {@code struct rte_mempool *bp_pktmbuf_pool_create(const char *name, uint32_t mbufs, uint32_t cache_size, uint16_t priv_size, uint16_t data_room_size, int socket_id)} */
    public static long bp_pktmbuf_pool_create(MemorySegment name, int mbufs, int cacheSize, short privSize, short dataRoomSize, int socketId) {
        try {
            return (long) bp_pktmbuf_pool_create$h.HANDLE.invokeExact(name, mbufs, cacheSize, privSize, dataRoomSize, socketId);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_pool_create", t);
        }
    }

    private static final class bp_mempool_free$h {
        static final MethodHandle HANDLE = downcall("bp_mempool_free", FunctionDescriptor.ofVoid(JAVA_LONG));
    }

    /** {@code void bp_mempool_free(struct rte_mempool *pool)} */
    public static void bp_mempool_free(long pool) {
        try {
            bp_mempool_free$h.HANDLE.invokeExact(pool);
        } catch (Throwable t) {
            throw failed("bp_mempool_free", t);
        }
    }

    private static final class bp_mempool_avail_count$h {
        static final MethodHandle HANDLE = downcall("bp_mempool_avail_count",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint32_t bp_mempool_avail_count(const struct rte_mempool *pool)}; critical */
    public static int bp_mempool_avail_count(long pool) {
        try {
            return (int) bp_mempool_avail_count$h.HANDLE.invokeExact(pool);
        } catch (Throwable t) {
            throw failed("bp_mempool_avail_count", t);
        }
    }

    private static final class bp_mempool_in_use_count$h {
        static final MethodHandle HANDLE = downcall("bp_mempool_in_use_count",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint32_t bp_mempool_in_use_count(const struct rte_mempool *pool)}; critical */
    public static int bp_mempool_in_use_count(long pool) {
        try {
            return (int) bp_mempool_in_use_count$h.HANDLE.invokeExact(pool);
        } catch (Throwable t) {
            throw failed("bp_mempool_in_use_count", t);
        }
    }

    private static final class bp_pktmbuf_data_room_size$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_data_room_size",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG));
    }

    /** {@code uint16_t bp_pktmbuf_data_room_size(struct rte_mempool *pool)} */
    public static short bp_pktmbuf_data_room_size(long pool) {
        try {
            return (short) bp_pktmbuf_data_room_size$h.HANDLE.invokeExact(pool);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_data_room_size", t);
        }
    }

    private static final class bp_eth_rx_burst$h {
        static final MethodHandle HANDLE = downcall("bp_eth_rx_burst",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_LONG, JAVA_SHORT), CRITICAL);
    }

    /** {@code uint16_t bp_eth_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t n)}; critical */
    public static short bp_eth_rx_burst(short port, short queue, long mbufs, short n) {
        try {
            return (short) bp_eth_rx_burst$h.HANDLE.invokeExact(port, queue, mbufs, n);
        } catch (Throwable t) {
            throw failed("bp_eth_rx_burst", t);
        }
    }

    private static final class bp_eth_tx_burst$h {
        static final MethodHandle HANDLE = downcall("bp_eth_tx_burst",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_LONG, JAVA_SHORT), CRITICAL);
    }

    /** {@code uint16_t bp_eth_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t n)}; critical */
    public static short bp_eth_tx_burst(short port, short queue, long mbufs, short n) {
        try {
            return (short) bp_eth_tx_burst$h.HANDLE.invokeExact(port, queue, mbufs, n);
        } catch (Throwable t) {
            throw failed("bp_eth_tx_burst", t);
        }
    }

    private static final class bp_eth_tx_prepare$h {
        static final MethodHandle HANDLE = downcall("bp_eth_tx_prepare",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_LONG, JAVA_SHORT), CRITICAL);
    }

    /** {@code uint16_t bp_eth_tx_prepare(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t n)}; critical */
    public static short bp_eth_tx_prepare(short port, short queue, long mbufs, short n) {
        try {
            return (short) bp_eth_tx_prepare$h.HANDLE.invokeExact(port, queue, mbufs, n);
        } catch (Throwable t) {
            throw failed("bp_eth_tx_prepare", t);
        }
    }

    private static final class bp_pktmbuf_alloc$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_alloc",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
    }

    /** {@code struct rte_mbuf *bp_pktmbuf_alloc(struct rte_mempool *pool)}; critical */
    public static long bp_pktmbuf_alloc(long pool) {
        try {
            return (long) bp_pktmbuf_alloc$h.HANDLE.invokeExact(pool);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_alloc", t);
        }
    }

    private static final class bp_pktmbuf_alloc_bulk$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_alloc_bulk",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CRITICAL);
    }

    /** {@code int bp_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, uint32_t n)}; critical */
    public static int bp_pktmbuf_alloc_bulk(long pool, long mbufs, int n) {
        try {
            return (int) bp_pktmbuf_alloc_bulk$h.HANDLE.invokeExact(pool, mbufs, n);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_alloc_bulk", t);
        }
    }

    private static final class bp_pktmbuf_free$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_free", FunctionDescriptor.ofVoid(JAVA_LONG), CRITICAL);
    }

    /** {@code void bp_pktmbuf_free(struct rte_mbuf *m)}; critical */
    public static void bp_pktmbuf_free(long m) {
        try {
            bp_pktmbuf_free$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_free", t);
        }
    }

    private static final class bp_pktmbuf_free_bulk$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_free_bulk",
            FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_INT), CRITICAL);
    }

    /** {@code void bp_pktmbuf_free_bulk(struct rte_mbuf **mbufs, uint32_t n)}; critical */
    public static void bp_pktmbuf_free_bulk(long mbufs, int n) {
        try {
            bp_pktmbuf_free_bulk$h.HANDLE.invokeExact(mbufs, n);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_free_bulk", t);
        }
    }

    private static final class bp_pktmbuf_reset$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_reset", FunctionDescriptor.ofVoid(JAVA_LONG), CRITICAL);
    }

    /** {@code void bp_pktmbuf_reset(struct rte_mbuf *m)}; critical */
    public static void bp_pktmbuf_reset(long m) {
        try {
            bp_pktmbuf_reset$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_reset", t);
        }
    }

    private static final class bp_pktmbuf_chain$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_chain",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), CRITICAL);
    }

    /** {@code int bp_pktmbuf_chain(struct rte_mbuf *head, struct rte_mbuf *tail)}; critical */
    public static int bp_pktmbuf_chain(long head, long tail) {
        try {
            return (int) bp_pktmbuf_chain$h.HANDLE.invokeExact(head, tail);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_chain", t);
        }
    }

    private static final class bp_mbuf_layout$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_layout", FunctionDescriptor.ofVoid(ADDRESS));
    }

    /** {@code void bp_mbuf_layout(struct bp_mbuf_layout *layout)} */
    public static void bp_mbuf_layout(MemorySegment layout) {
        try {
            bp_mbuf_layout$h.HANDLE.invokeExact(layout);
        } catch (Throwable t) {
            throw failed("bp_mbuf_layout", t);
        }
    }

    private static final class bp_pktmbuf_mtod$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_mtod",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
    }

    /** {@code void *bp_pktmbuf_mtod(const struct rte_mbuf *m)}; critical */
    public static long bp_pktmbuf_mtod(long m) {
        try {
            return (long) bp_pktmbuf_mtod$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_mtod", t);
        }
    }

    private static final class bp_mbuf_buf_addr$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_buf_addr",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
    }

    /** {@code void *bp_mbuf_buf_addr(const struct rte_mbuf *m)}; critical */
    public static long bp_mbuf_buf_addr(long m) {
        try {
            return (long) bp_mbuf_buf_addr$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_buf_addr", t);
        }
    }

    private static final class bp_mbuf_buf_len$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_buf_len",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint16_t bp_mbuf_buf_len(const struct rte_mbuf *m)}; critical */
    public static short bp_mbuf_buf_len(long m) {
        try {
            return (short) bp_mbuf_buf_len$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_buf_len", t);
        }
    }

    private static final class bp_mbuf_data_off$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_data_off",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint16_t bp_mbuf_data_off(const struct rte_mbuf *m)}; critical */
    public static short bp_mbuf_data_off(long m) {
        try {
            return (short) bp_mbuf_data_off$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_data_off", t);
        }
    }

    private static final class bp_mbuf_set_data_off$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_set_data_off",
            FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_SHORT), CRITICAL);
    }

    /** {@code void bp_mbuf_set_data_off(struct rte_mbuf *m, uint16_t data_off)}; critical */
    public static void bp_mbuf_set_data_off(long m, short dataOff) {
        try {
            bp_mbuf_set_data_off$h.HANDLE.invokeExact(m, dataOff);
        } catch (Throwable t) {
            throw failed("bp_mbuf_set_data_off", t);
        }
    }

    private static final class bp_pktmbuf_data_len$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_data_len",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint16_t bp_pktmbuf_data_len(const struct rte_mbuf *m)}; critical */
    public static short bp_pktmbuf_data_len(long m) {
        try {
            return (short) bp_pktmbuf_data_len$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_data_len", t);
        }
    }

    private static final class bp_pktmbuf_set_data_len$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_set_data_len",
            FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_SHORT), CRITICAL);
    }

    /** {@code void bp_pktmbuf_set_data_len(struct rte_mbuf *m, uint16_t len)}; critical */
    public static void bp_pktmbuf_set_data_len(long m, short len) {
        try {
            bp_pktmbuf_set_data_len$h.HANDLE.invokeExact(m, len);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_set_data_len", t);
        }
    }

    private static final class bp_pktmbuf_pkt_len$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_pkt_len",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint32_t bp_pktmbuf_pkt_len(const struct rte_mbuf *m)}; critical */
    public static int bp_pktmbuf_pkt_len(long m) {
        try {
            return (int) bp_pktmbuf_pkt_len$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_pkt_len", t);
        }
    }

    private static final class bp_pktmbuf_set_pkt_len$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_set_pkt_len",
            FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_INT), CRITICAL);
    }

    /** {@code void bp_pktmbuf_set_pkt_len(struct rte_mbuf *m, uint32_t len)}; critical */
    public static void bp_pktmbuf_set_pkt_len(long m, int len) {
        try {
            bp_pktmbuf_set_pkt_len$h.HANDLE.invokeExact(m, len);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_set_pkt_len", t);
        }
    }

    private static final class bp_pktmbuf_headroom$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_headroom",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint16_t bp_pktmbuf_headroom(const struct rte_mbuf *m)}; critical */
    public static short bp_pktmbuf_headroom(long m) {
        try {
            return (short) bp_pktmbuf_headroom$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_headroom", t);
        }
    }

    private static final class bp_pktmbuf_tailroom$h {
        static final MethodHandle HANDLE = downcall("bp_pktmbuf_tailroom",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint16_t bp_pktmbuf_tailroom(const struct rte_mbuf *m)}; critical */
    public static short bp_pktmbuf_tailroom(long m) {
        try {
            return (short) bp_pktmbuf_tailroom$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_pktmbuf_tailroom", t);
        }
    }

    private static final class bp_mbuf_refcnt_read$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_refcnt_read",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint16_t bp_mbuf_refcnt_read(const struct rte_mbuf *m)}; critical */
    public static short bp_mbuf_refcnt_read(long m) {
        try {
            return (short) bp_mbuf_refcnt_read$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_refcnt_read", t);
        }
    }

    private static final class bp_mbuf_refcnt_update$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_refcnt_update",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG, JAVA_SHORT), CRITICAL);
    }

    /** {@code uint16_t bp_mbuf_refcnt_update(struct rte_mbuf *m, int16_t delta)}; critical */
    public static short bp_mbuf_refcnt_update(long m, short delta) {
        try {
            return (short) bp_mbuf_refcnt_update$h.HANDLE.invokeExact(m, delta);
        } catch (Throwable t) {
            throw failed("bp_mbuf_refcnt_update", t);
        }
    }

    private static final class bp_mbuf_next$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_next",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
    }

    /** {@code struct rte_mbuf *bp_mbuf_next(const struct rte_mbuf *m)}; critical */
    public static long bp_mbuf_next(long m) {
        try {
            return (long) bp_mbuf_next$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_next", t);
        }
    }

    private static final class bp_mbuf_nb_segs$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_nb_segs",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint16_t bp_mbuf_nb_segs(const struct rte_mbuf *m)}; critical */
    public static short bp_mbuf_nb_segs(long m) {
        try {
            return (short) bp_mbuf_nb_segs$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_nb_segs", t);
        }
    }

    private static final class bp_mbuf_ol_flags$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_ol_flags",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), CRITICAL);
    }

    /** {@code uint64_t bp_mbuf_ol_flags(const struct rte_mbuf *m)}; critical */
    public static long bp_mbuf_ol_flags(long m) {
        try {
            return (long) bp_mbuf_ol_flags$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_ol_flags", t);
        }
    }

    private static final class bp_mbuf_set_ol_flags$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_set_ol_flags",
            FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG), CRITICAL);
    }

    /** {@code void bp_mbuf_set_ol_flags(struct rte_mbuf *m, uint64_t ol_flags)}; critical */
    public static void bp_mbuf_set_ol_flags(long m, long olFlags) {
        try {
            bp_mbuf_set_ol_flags$h.HANDLE.invokeExact(m, olFlags);
        } catch (Throwable t) {
            throw failed("bp_mbuf_set_ol_flags", t);
        }
    }

    private static final class bp_mbuf_l2_len$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_l2_len",
            FunctionDescriptor.of(JAVA_BYTE, JAVA_LONG), CRITICAL);
    }

    /** {@code uint8_t bp_mbuf_l2_len(const struct rte_mbuf *m)}; critical */
    public static byte bp_mbuf_l2_len(long m) {
        try {
            return (byte) bp_mbuf_l2_len$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_l2_len", t);
        }
    }

    private static final class bp_mbuf_l3_len$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_l3_len",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint16_t bp_mbuf_l3_len(const struct rte_mbuf *m)}; critical */
    public static short bp_mbuf_l3_len(long m) {
        try {
            return (short) bp_mbuf_l3_len$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_l3_len", t);
        }
    }

    private static final class bp_mbuf_l4_len$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_l4_len",
            FunctionDescriptor.of(JAVA_BYTE, JAVA_LONG), CRITICAL);
    }

    /** {@code uint8_t bp_mbuf_l4_len(const struct rte_mbuf *m)}; critical */
    public static byte bp_mbuf_l4_len(long m) {
        try {
            return (byte) bp_mbuf_l4_len$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_l4_len", t);
        }
    }

    private static final class bp_mbuf_tso_segsz$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_tso_segsz",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint16_t bp_mbuf_tso_segsz(const struct rte_mbuf *m)}; critical */
    public static short bp_mbuf_tso_segsz(long m) {
        try {
            return (short) bp_mbuf_tso_segsz$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_tso_segsz", t);
        }
    }

    private static final class bp_mbuf_set_tx_offload$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_set_tx_offload",
            FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT, JAVA_SHORT), CRITICAL);
    }

    /** {@code void bp_mbuf_set_tx_offload(struct rte_mbuf *m, uint16_t l2_len, uint16_t l3_len, uint16_t l4_len, uint16_t tso_segsz)}; critical */
    public static void bp_mbuf_set_tx_offload(long m, short l2Len, short l3Len, short l4Len, short tsoSegsz) {
        try {
            bp_mbuf_set_tx_offload$h.HANDLE.invokeExact(m, l2Len, l3Len, l4Len, tsoSegsz);
        } catch (Throwable t) {
            throw failed("bp_mbuf_set_tx_offload", t);
        }
    }

    private static final class bp_mbuf_hash_rss$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_hash_rss",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint32_t bp_mbuf_hash_rss(const struct rte_mbuf *m)}; critical */
    public static int bp_mbuf_hash_rss(long m) {
        try {
            return (int) bp_mbuf_hash_rss$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_hash_rss", t);
        }
    }

    private static final class bp_mbuf_port$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_port",
            FunctionDescriptor.of(JAVA_SHORT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint16_t bp_mbuf_port(const struct rte_mbuf *m)}; critical */
    public static short bp_mbuf_port(long m) {
        try {
            return (short) bp_mbuf_port$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_port", t);
        }
    }

    private static final class bp_mbuf_packet_type$h {
        static final MethodHandle HANDLE = downcall("bp_mbuf_packet_type",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG), CRITICAL);
    }

    /** {@code uint32_t bp_mbuf_packet_type(const struct rte_mbuf *m)}; critical */
    public static int bp_mbuf_packet_type(long m) {
        try {
            return (int) bp_mbuf_packet_type$h.HANDLE.invokeExact(m);
        } catch (Throwable t) {
            throw failed("bp_mbuf_packet_type", t);
        }
    }
}
