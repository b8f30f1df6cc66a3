package dev.bypass.nic.dpdk;

import dev.bypass.nic.dpdk.DpdkShim.bp_dev_info;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * What a DPDK port says about itself ({@code rte_eth_dev_info_get}): its driver, queue and descriptor
 * limits, MTU range and offload capabilities ({@code DpdkShim.BP_ETH_*} bits).
 *
 * @param ifIndex the host interface bound to the port (af_packet, tap), 0 for a real NIC
 * @param socketId NUMA node of the device, -1 if unknown
 */
public record DpdkPortInfo(String driverName, int ifIndex, int maxRxQueues, int maxTxQueues, long rxOffloadCapa,
                           long txOffloadCapa, long flowTypeRssOffloads, int minMtu, int maxMtu, int maxRxPacketLength,
                           int retaSize, int hashKeySize, int rxDescriptorsMin, int rxDescriptorsMax,
                           int txDescriptorsMin, int txDescriptorsMax, int socketId) {

    static DpdkPortInfo read(MemorySegment info) {
        return new DpdkPortInfo(bp_dev_info.driver_name(info).getString(0, StandardCharsets.US_ASCII),
            bp_dev_info.if_index(info),
            Short.toUnsignedInt(bp_dev_info.max_rx_queues(info)), Short.toUnsignedInt(bp_dev_info.max_tx_queues(info)),
            bp_dev_info.rx_offload_capa(info), bp_dev_info.tx_offload_capa(info),
            bp_dev_info.flow_type_rss_offloads(info),
            Short.toUnsignedInt(bp_dev_info.min_mtu(info)), Short.toUnsignedInt(bp_dev_info.max_mtu(info)),
            bp_dev_info.max_rx_pktlen(info), Short.toUnsignedInt(bp_dev_info.reta_size(info)),
            Byte.toUnsignedInt(bp_dev_info.hash_key_size(info)),
            Short.toUnsignedInt(bp_dev_info.rx_desc_min(info)), Short.toUnsignedInt(bp_dev_info.rx_desc_max(info)),
            Short.toUnsignedInt(bp_dev_info.tx_desc_min(info)), Short.toUnsignedInt(bp_dev_info.tx_desc_max(info)),
            bp_dev_info.socket_id(info));
    }
}
