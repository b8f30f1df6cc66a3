package dev.bypass.nic.dpdk;

/**
 * The port-wide counters of {@code rte_eth_stats}: what the NIC (or the virtual PMD) counted.
 *
 * @param imissed frames the NIC dropped because its rx ring was full (the poll thread fell behind)
 * @param rxNoMbuf rx mbuf allocation failures: the mempool ran dry
 */
public record DpdkPortStats(long ipackets, long opackets, long ibytes, long obytes, long imissed, long ierrors,
                            long oerrors, long rxNoMbuf) {
}
