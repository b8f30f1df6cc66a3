package dev.bypass.nic.dpdk;

/**
 * A minimal rte_flow rule ({@code struct bp_flow_rule}): match IPv4 addresses under masks, optionally
 * TCP or UDP ports under masks, then steer to a receive queue or drop. Addresses and ports in host order
 * (198.18.0.1 is {@code 0xC6120001}); a mask of 0 matches anything.
 *
 * @param ipProtocol 0 any (ports ignored), 6 TCP, 17 UDP
 * @param drop drop matching frames instead of steering them to {@code queue}
 */
public record DpdkFlowRule(int priority, int group, int sourceIp, int sourceIpMask, int destinationIp,
                           int destinationIpMask, int sourcePort, int sourcePortMask, int destinationPort,
                           int destinationPortMask, int ipProtocol, boolean drop, int queue) {
    public static final int TCP = 6;
    public static final int UDP = 17;

    public DpdkFlowRule {
        if (ipProtocol != 0 && ipProtocol != TCP && ipProtocol != UDP) {
            throw new IllegalArgumentException("flow rule protocol must be 0 (any), 6 (TCP) or 17 (UDP): " + ipProtocol);
        }
        for (int port : new int[] {sourcePort, sourcePortMask, destinationPort, destinationPortMask}) {
            if (port < 0 || port > 0xFFFF) {
                throw new IllegalArgumentException("flow rule port or mask out of range: " + port);
            }
        }
        if (queue < 0 || queue > 0xFFFF) {
            throw new IllegalArgumentException("flow rule queue out of range: " + queue);
        }
    }

    /** TCP or UDP to {@code destinationIp:destinationPort} goes to {@code queue}: steering one service to one poll thread. */
    public static DpdkFlowRule toQueue(int ipProtocol, int destinationIp, int destinationPort, int queue) {
        return new DpdkFlowRule(0, 0, 0, 0, destinationIp, -1, 0, 0, destinationPort, 0xFFFF, ipProtocol, false, queue);
    }
}
