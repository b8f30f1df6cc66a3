package dev.bypass.nic.dpdk;

import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_RX_OFFLOAD_IPV4_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_RX_OFFLOAD_RSS_HASH;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_RX_OFFLOAD_TCP_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_RX_OFFLOAD_UDP_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_TX_OFFLOAD_IPV4_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_TX_OFFLOAD_TCP_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_TX_OFFLOAD_TCP_TSO;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_TX_OFFLOAD_UDP_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_MBUF_F_RX_IP_CKSUM_BAD;
import static dev.bypass.nic.dpdk.DpdkShim.BP_MBUF_F_RX_IP_CKSUM_GOOD;
import static dev.bypass.nic.dpdk.DpdkShim.BP_MBUF_F_RX_L4_CKSUM_BAD;
import static dev.bypass.nic.dpdk.DpdkShim.BP_MBUF_F_RX_L4_CKSUM_GOOD;
import static dev.bypass.nic.dpdk.DpdkShim.BP_MBUF_F_RX_RSS_HASH;
import static dev.bypass.nic.dpdk.DpdkShim.BP_MBUF_F_TX_IPV4;
import static dev.bypass.nic.dpdk.DpdkShim.BP_MBUF_F_TX_IP_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_MBUF_F_TX_TCP_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_MBUF_F_TX_TCP_SEG;
import static dev.bypass.nic.dpdk.DpdkShim.BP_MBUF_F_TX_UDP_CKSUM;

import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;

/**
 * Translation between the stack's offload words ({@link Frame}'s flags, {@link DeviceCapabilities}'
 * bits) and DPDK's (port capabilities, mbuf {@code ol_flags}). Pure functions; the conventions already
 * agree (the stack writes DPDK's pseudo-header sums), so only the bits move.
 */
final class DpdkOffloads {
    /** Receive checksum offload is used only when the port checks all three: IPv4, TCP and UDP. */
    static final long RX_CHECKSUMS = BP_ETH_RX_OFFLOAD_IPV4_CKSUM | BP_ETH_RX_OFFLOAD_TCP_CKSUM
        | BP_ETH_RX_OFFLOAD_UDP_CKSUM;
    /** TSO is used only with the checksums it implies (the TCP checksum, and the IPv4 header's). */
    static final long TX_TSO = BP_ETH_TX_OFFLOAD_TCP_TSO | BP_ETH_TX_OFFLOAD_TCP_CKSUM | BP_ETH_TX_OFFLOAD_IPV4_CKSUM;

    private DpdkOffloads() {
    }

    /** The receive offloads to enable on a port offering {@code rxCapa}. */
    static long rxOffloadsToEnable(long rxCapa) {
        long enable = 0;
        if ((rxCapa & RX_CHECKSUMS) == RX_CHECKSUMS) {
            enable |= RX_CHECKSUMS;
        }
        if ((rxCapa & BP_ETH_RX_OFFLOAD_RSS_HASH) != 0) {
            enable |= BP_ETH_RX_OFFLOAD_RSS_HASH;
        }
        return enable;
    }

    /** The transmit offloads to enable on a port offering {@code txCapa}: each checksum, and TSO with its checksums. */
    static long txOffloadsToEnable(long txCapa) {
        long enable = txCapa & (BP_ETH_TX_OFFLOAD_IPV4_CKSUM | BP_ETH_TX_OFFLOAD_TCP_CKSUM | BP_ETH_TX_OFFLOAD_UDP_CKSUM);
        if ((txCapa & TX_TSO) == TX_TSO) {
            enable |= BP_ETH_TX_OFFLOAD_TCP_TSO;
        }
        return enable;
    }

    /** {@link DeviceCapabilities} {@code OFFLOAD_*} bits for the offloads enabled on a port. */
    static int deviceOffloads(long rxEnabled, long txEnabled) {
        int offloads = 0;
        if ((txEnabled & BP_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0) {
            offloads |= DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM;
        }
        if ((txEnabled & BP_ETH_TX_OFFLOAD_TCP_CKSUM) != 0) {
            offloads |= DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM;
        }
        if ((txEnabled & BP_ETH_TX_OFFLOAD_UDP_CKSUM) != 0) {
            offloads |= DeviceCapabilities.OFFLOAD_TX_UDP_CHECKSUM;
        }
        if ((txEnabled & TX_TSO) == TX_TSO) {
            offloads |= DeviceCapabilities.OFFLOAD_TSO;
        }
        if ((rxEnabled & RX_CHECKSUMS) == RX_CHECKSUMS) {
            offloads |= DeviceCapabilities.OFFLOAD_RX_CHECKSUM;
        }
        if ((rxEnabled & BP_ETH_RX_OFFLOAD_RSS_HASH) != 0) {
            offloads |= DeviceCapabilities.OFFLOAD_RX_RSS_HASH;
        }
        return offloads;
    }

    /** The {@link Frame} {@code TX_*} flags a device with these {@code OFFLOAD_*} bits completes in hardware. */
    static int hardwareTxFlags(int deviceOffloads) {
        int flags = 0;
        if ((deviceOffloads & DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM) != 0) {
            flags |= Frame.TX_IP_CHECKSUM;
        }
        if ((deviceOffloads & DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM) != 0) {
            flags |= Frame.TX_TCP_CHECKSUM;
        }
        if ((deviceOffloads & DeviceCapabilities.OFFLOAD_TX_UDP_CHECKSUM) != 0) {
            flags |= Frame.TX_UDP_CHECKSUM;
        }
        if ((deviceOffloads & DeviceCapabilities.OFFLOAD_TSO) != 0) {
            flags |= Frame.TX_TCP_SEGMENTATION;
        }
        return flags;
    }

    /**
     * The mbuf {@code ol_flags} for a frame's {@code TX_*} flags. DPDK wants {@code RTE_MBUF_F_TX_IPV4} on
     * every IPv4 packet with an offload, and {@code TX_TCP_SEG} alone for TSO (it implies the TCP checksum).
     */
    static long txOlFlags(int txFlags) {
        if (txFlags == 0) {
            return 0;
        }
        long ol = BP_MBUF_F_TX_IPV4;
        if ((txFlags & Frame.TX_IP_CHECKSUM) != 0) {
            ol |= BP_MBUF_F_TX_IP_CKSUM;
        }
        if ((txFlags & Frame.TX_TCP_SEGMENTATION) != 0) {
            ol |= BP_MBUF_F_TX_TCP_SEG;
        } else if ((txFlags & Frame.TX_TCP_CHECKSUM) != 0) {
            ol |= BP_MBUF_F_TX_TCP_CKSUM;
        } else if ((txFlags & Frame.TX_UDP_CHECKSUM) != 0) {
            ol |= BP_MBUF_F_TX_UDP_CKSUM;
        }
        return ol;
    }

    /**
     * A received mbuf's {@code ol_flags} as {@link Frame} {@code RX_*} flags: a checksum counts as good only
     * when the GOOD bit is set and the BAD bit is not (both set is DPDK's {@code CKSUM_NONE}: the data is
     * intact but the checksum field is not valid, which software checking would reject).
     */
    static int rxFlags(long olFlags) {
        int flags = 0;
        if ((olFlags & (BP_MBUF_F_RX_IP_CKSUM_GOOD | BP_MBUF_F_RX_IP_CKSUM_BAD)) == BP_MBUF_F_RX_IP_CKSUM_GOOD) {
            flags |= Frame.RX_IP_CHECKSUM_GOOD;
        }
        if ((olFlags & (BP_MBUF_F_RX_L4_CKSUM_GOOD | BP_MBUF_F_RX_L4_CKSUM_BAD)) == BP_MBUF_F_RX_L4_CKSUM_GOOD) {
            flags |= Frame.RX_L4_CHECKSUM_GOOD;
        }
        if ((olFlags & BP_MBUF_F_RX_RSS_HASH) != 0) {
            flags |= Frame.RX_RSS_HASH;
        }
        return flags;
    }
}
