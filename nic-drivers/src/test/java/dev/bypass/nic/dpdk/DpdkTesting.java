package dev.bypass.nic.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bypass.testing.Environment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * What the DPDK tests need of the machine, and the one EAL they share (EAL starts once per process):
 * root, namespaces and ethtool for the veth, and the DPDK shim. Skips locally without them, fails in CI.
 */
public final class DpdkTesting {
    private static final AtomicInteger RINGS = new AtomicInteger();

    private DpdkTesting() {
    }

    /** Requires root, namespaces, ethtool and a loadable shim; returns the running EAL, starting it if need be. */
    public static DpdkEal requireEal() throws DpdkException {
        Environment.requireNetworkNamespaces();
        Environment.requireCommands("ethtool");
        String reason = DpdkLibrary.unavailableReason();
        Environment.require(reason == null, "DPDK is not usable: " + reason);
        synchronized (DpdkTesting.class) {
            DpdkEal eal = DpdkEal.running();
            return eal != null ? eal : DpdkEal.start(DpdkEalConfig.forVirtualDevices());
        }
    }

    /**
     * A {@code net_ring} port probed for the test (no kernel, no namespace): transmit queue q feeds receive
     * queue q of the same port, and the ring hands the mbufs over as they are, chains included. Its
     * {@code max_rx_pktlen} is unbounded and it offers scatter and multi-segment transmit: the one PMD
     * here that takes jumbo MTUs.
     */
    public static DpdkDevice ringPort(DpdkEal eal, UnaryOperator<DpdkConfig> config) throws DpdkException {
        String name = "net_ring_bp" + RINGS.incrementAndGet();
        return DpdkDevice.open(eal, config.apply(DpdkConfig.port(name).withDevargs(name)));
    }

    /** Every mbuf back: no frame lent by any queue's pool, the mempools full (for ports whose rings hold none). */
    public static void assertAllMbufsBack(DpdkDevice nic) {
        assertEquals(0, nic.framesLent(), () -> "frames still lent by " + nic);
        assertEquals(nic.mbufs(), nic.mbufsAvailable(), () -> "mbufs missing from the mempools of " + nic);
    }
}
