package dev.bypass.nic.dpdk;

import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * Two {@code net_ring} ports wired back to back in this process ({@code bp_ring_pair}): a wire between two
 * DPDK devices without a kernel, that hands the mbufs over as they are (chains too) and takes any MTU.
 */
public record RingPair(String tag, DpdkDevice a, DpdkDevice b) implements AutoCloseable {
    private static final AtomicInteger PAIRS = new AtomicInteger();

    /** The pair, both ports opened with {@code config} applied to a default port config. */
    public static RingPair open(DpdkEal eal, UnaryOperator<DpdkConfig> config) throws DpdkException {
        int n = PAIRS.incrementAndGet();
        String tag = "bpr" + n;
        String aName = "net_ring_bpa" + n; // rte_eth_from_rings names them net_ring_<name>
        String bName = "net_ring_bpb" + n;
        try (Arena arena = Arena.ofConfined()) {
            int rc = DpdkShim.bp_ring_pair(arena.allocateFrom(tag), arena.allocateFrom("bpa" + n),
                arena.allocateFrom("bpb" + n),
                (short) 1, 1024, DpdkShim.BP_SOCKET_ID_ANY);
            if (rc < 0) {
                throw new DpdkException("bp_ring_pair(" + tag + ") failed: " + DpdkEal.strerror(-rc), -rc);
            }
        }
        DpdkDevice a = null;
        try {
            a = DpdkDevice.open(eal, config.apply(DpdkConfig.port(aName)));
            return new RingPair(tag, a, DpdkDevice.open(eal, config.apply(DpdkConfig.port(bName))));
        } catch (DpdkException | RuntimeException e) {
            if (a != null) {
                a.close();
            }
            release(tag, aName, bName);
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            a.close();
            b.close();
        } finally {
            release(tag, a.name(), b.name());
        }
    }

    private static void release(String tag, String aName, String bName) {
        try (Arena arena = Arena.ofConfined()) {
            DpdkShim.bp_dev_remove(arena.allocateFrom("vdev"), arena.allocateFrom(aName));
            DpdkShim.bp_dev_remove(arena.allocateFrom("vdev"), arena.allocateFrom(bName));
            DpdkShim.bp_ring_pair_free(arena.allocateFrom(tag), (short) 1);
        }
    }
}
