package dev.bypass.nic.dpdk;

import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_RX_OFFLOAD_IPV4_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_RX_OFFLOAD_RSS_HASH;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_RX_OFFLOAD_TCP_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_RX_OFFLOAD_UDP_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_TX_OFFLOAD_IPV4_CKSUM;
import static dev.bypass.nic.dpdk.DpdkShim.BP_ETH_TX_OFFLOAD_MULTI_SEGS;
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
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import org.junit.jupiter.api.Test;

/** The stack's offload words against DPDK's: capabilities, tx ol_flags, rx ol_flags; no DPDK needed. */
class DpdkOffloadsTest {
    private static final long ALL_RX = BP_ETH_RX_OFFLOAD_IPV4_CKSUM | BP_ETH_RX_OFFLOAD_TCP_CKSUM
        | BP_ETH_RX_OFFLOAD_UDP_CKSUM | BP_ETH_RX_OFFLOAD_RSS_HASH;
    private static final long ALL_TX = BP_ETH_TX_OFFLOAD_IPV4_CKSUM | BP_ETH_TX_OFFLOAD_TCP_CKSUM
        | BP_ETH_TX_OFFLOAD_UDP_CKSUM | BP_ETH_TX_OFFLOAD_TCP_TSO;

    @Test
    void a_port_offering_everything_gets_everything_enabled_and_advertised() {
        assertEquals(ALL_RX, DpdkOffloads.rxOffloadsToEnable(ALL_RX | (1L << 0)));
        assertEquals(ALL_TX, DpdkOffloads.txOffloadsToEnable(ALL_TX | BP_ETH_TX_OFFLOAD_MULTI_SEGS));
        int offloads = DpdkOffloads.deviceOffloads(ALL_RX, ALL_TX);
        assertEquals("tx-ip-csum,tx-tcp-csum,tx-udp-csum,tso,rx-csum,rss-hash", DeviceCapabilities.describe(offloads));
        assertEquals(Frame.TX_IP_CHECKSUM | Frame.TX_TCP_CHECKSUM | Frame.TX_UDP_CHECKSUM | Frame.TX_TCP_SEGMENTATION,
            DpdkOffloads.hardwareTxFlags(offloads));
    }

    @Test
    void af_packet_offers_nothing_the_stack_uses() {
        // af_packet: tx VLAN insert + multi-segs, rx VLAN strip.
        long rx = DpdkOffloads.rxOffloadsToEnable(1L);
        long tx = DpdkOffloads.txOffloadsToEnable(BP_ETH_TX_OFFLOAD_MULTI_SEGS | 1L);
        assertEquals(0, rx);
        assertEquals(0, tx);
        assertEquals(0, DpdkOffloads.deviceOffloads(rx, tx));
        assertEquals(0, DpdkOffloads.hardwareTxFlags(0));
    }

    @Test
    void partial_offers_enable_only_what_is_whole() {
        // Receive checksums only when all three are checked; TSO only with the checksums it implies.
        assertEquals(0, DpdkOffloads.rxOffloadsToEnable(BP_ETH_RX_OFFLOAD_IPV4_CKSUM | BP_ETH_RX_OFFLOAD_TCP_CKSUM));
        assertEquals(BP_ETH_TX_OFFLOAD_TCP_CKSUM,
            DpdkOffloads.txOffloadsToEnable(BP_ETH_TX_OFFLOAD_TCP_TSO | BP_ETH_TX_OFFLOAD_TCP_CKSUM));
        assertEquals(DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM,
            DpdkOffloads.deviceOffloads(0, BP_ETH_TX_OFFLOAD_TCP_CKSUM));
    }

    @Test
    void transmit_flags_become_dpdk_s_ol_flags() {
        assertEquals(0, DpdkOffloads.txOlFlags(0));
        assertEquals(BP_MBUF_F_TX_IPV4 | BP_MBUF_F_TX_IP_CKSUM, DpdkOffloads.txOlFlags(Frame.TX_IP_CHECKSUM));
        assertEquals(BP_MBUF_F_TX_IPV4 | BP_MBUF_F_TX_IP_CKSUM | BP_MBUF_F_TX_TCP_CKSUM,
            DpdkOffloads.txOlFlags(Frame.TX_IP_CHECKSUM | Frame.TX_TCP_CHECKSUM));
        assertEquals(BP_MBUF_F_TX_IPV4 | BP_MBUF_F_TX_UDP_CKSUM, DpdkOffloads.txOlFlags(Frame.TX_UDP_CHECKSUM));
        // TSO: TCP_SEG alone (it implies the TCP checksum), IPV4 and the IP checksum.
        assertEquals(BP_MBUF_F_TX_IPV4 | BP_MBUF_F_TX_IP_CKSUM | BP_MBUF_F_TX_TCP_SEG, DpdkOffloads.txOlFlags(
            Frame.TX_TCP_SEGMENTATION | Frame.TX_TCP_CHECKSUM | Frame.TX_IP_CHECKSUM));
    }

    @Test
    void receive_checksums_count_as_good_only_when_dpdk_says_good_and_not_bad() {
        assertEquals(0, DpdkOffloads.rxFlags(0));
        assertEquals(Frame.RX_IP_CHECKSUM_GOOD | Frame.RX_L4_CHECKSUM_GOOD,
            DpdkOffloads.rxFlags(BP_MBUF_F_RX_IP_CKSUM_GOOD | BP_MBUF_F_RX_L4_CKSUM_GOOD));
        assertEquals(0, DpdkOffloads.rxFlags(BP_MBUF_F_RX_IP_CKSUM_BAD | BP_MBUF_F_RX_L4_CKSUM_BAD));
        // Both bits: DPDK's CKSUM_NONE (data intact, checksum field not valid): not good.
        assertEquals(0, DpdkOffloads.rxFlags(BP_MBUF_F_RX_IP_CKSUM_GOOD | BP_MBUF_F_RX_IP_CKSUM_BAD));
        assertEquals(Frame.RX_RSS_HASH | Frame.RX_L4_CHECKSUM_GOOD,
            DpdkOffloads.rxFlags(BP_MBUF_F_RX_RSS_HASH | BP_MBUF_F_RX_L4_CKSUM_GOOD | BP_MBUF_F_RX_IP_CKSUM_BAD));
    }
}
