package dev.bypass.nic.dpdk;

import dev.bypass.stack.addr.IpAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * A minimal rte_flow rule ({@code struct bp_flow_rule}): match IPv4 addresses under masks, optionally
 * TCP or UDP ports under masks, or an Ethernet type alone (ARP); then steer to a receive queue, spread
 * over queues by RSS, or drop. Addresses and ports in host order (198.18.0.1 is {@code 0xC6120001}); a
 * mask of 0 matches anything.
 *
 * @param etherType 0 (or 0x0800): the IPv4 pattern; another type (0x0806, ARP): Ethernet frames of that
 *     type, the IP fields unused
 * @param ipProtocol 0 any (ports ignored), 6 TCP, 17 UDP
 * @param action what to do with a matching frame
 * @param queue {@link Action#QUEUE}: the queue; {@link Action#RSS}: the first of {@code rssQueues} queues
 * @param rssQueues {@link Action#RSS}: how many queues, from {@code queue} on
 * @param rssTypes {@link Action#RSS}: the {@code DpdkShim.BP_ETH_RSS_*} to hash on (0: the PMD's default)
 * @param rssKey {@link Action#RSS}: the Toeplitz key (null: the PMD's). A flow rule's RSS action carries a
 *     key of its own: with flow isolation, it is the one that hashes (not the port's)
 */
public record DpdkFlowRule(int priority, int group, int etherType, int sourceIp, int sourceIpMask, int destinationIp,
                           int destinationIpMask, int sourcePort, int sourcePortMask, int destinationPort,
                           int destinationPortMask, int ipProtocol, Action action, int queue, int rssQueues,
                           long rssTypes, byte[] rssKey) {
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ETHER_TYPE_IPV4 = 0x0800;
    public static final int ETHER_TYPE_ARP = 0x0806;

    /** What a rule does with the frames it matches. */
    public enum Action {
        /** To one receive queue. */
        QUEUE,
        /** Spread over receive queues by the RSS hash. */
        RSS,
        /** Dropped. */
        DROP
    }

    public DpdkFlowRule {
        Objects.requireNonNull(action, "action");
        if (etherType < 0 || etherType > 0xFFFF) {
            throw new IllegalArgumentException("flow rule Ethernet type out of range: " + etherType);
        }
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
        if (action == Action.RSS && (rssQueues < 1 || rssQueues > DpdkShim.BP_FLOW_MAX_RSS_QUEUES
            || queue + rssQueues > 0x10000)) {
            throw new IllegalArgumentException("an RSS flow rule spreads over 1 to " + DpdkShim.BP_FLOW_MAX_RSS_QUEUES
                + " queues: " + rssQueues + " from queue " + queue);
        }
        if (action != Action.RSS && (rssQueues != 0 || rssTypes != 0 || rssKey != null)) {
            throw new IllegalArgumentException("RSS settings on a " + action + " flow rule");
        }
        if (rssKey != null && (rssKey.length == 0 || rssKey.length > 255)) {
            throw new IllegalArgumentException("RSS key of " + rssKey.length + " bytes");
        }
        rssKey = rssKey == null ? null : rssKey.clone();
    }

    /** TCP or UDP to {@code destinationIp:destinationPort} goes to {@code queue}: steering one service to one poll thread. */
    public static DpdkFlowRule toQueue(int ipProtocol, int destinationIp, int destinationPort, int queue) {
        return new DpdkFlowRule(0, 0, 0, 0, 0, destinationIp, -1, 0, 0, destinationPort, 0xFFFF, ipProtocol,
            Action.QUEUE, queue, 0, 0, null);
    }

    /** Every IPv4 packet to {@code destinationIp} goes to {@code queue}. */
    public static DpdkFlowRule ipv4ToQueue(int destinationIp, int queue) {
        return new DpdkFlowRule(0, 0, 0, 0, 0, destinationIp, -1, 0, 0, 0, 0, 0, Action.QUEUE, queue, 0, 0, null);
    }

    /** Every Ethernet frame of {@code etherType} (ARP: {@link #ETHER_TYPE_ARP}) goes to {@code queue}. */
    public static DpdkFlowRule etherTypeToQueue(int etherType, int queue) {
        if (etherType == 0 || etherType == ETHER_TYPE_IPV4) {
            throw new IllegalArgumentException("IPv4 is matched by address (ipv4ToQueue), not by Ethernet type alone");
        }
        return new DpdkFlowRule(0, 0, etherType, 0, 0, 0, 0, 0, 0, 0, 0, 0, Action.QUEUE, queue, 0, 0, null);
    }

    /**
     * This rule's matches spread by RSS over {@code queues} queues from {@link #queue()} on, hashed on
     * {@code types} with {@code key} (null: the PMD's).
     */
    public DpdkFlowRule withRss(int queues, long types, byte[] key) {
        return new DpdkFlowRule(priority, group, etherType, sourceIp, sourceIpMask, destinationIp, destinationIpMask,
            sourcePort, sourcePortMask, destinationPort, destinationPortMask, ipProtocol, Action.RSS, queue, queues,
            types, key);
    }

    /** The rule with another priority (lower is matched first). */
    public DpdkFlowRule withPriority(int priority) {
        return new DpdkFlowRule(priority, group, etherType, sourceIp, sourceIpMask, destinationIp, destinationIpMask,
            sourcePort, sourcePortMask, destinationPort, destinationPortMask, ipProtocol, action, queue, rssQueues,
            rssTypes, rssKey);
    }

    /** The Toeplitz key of an RSS action (a copy), or null. */
    @Override
    public byte[] rssKey() {
        return rssKey == null ? null : rssKey.clone();
    }

    /** Whether matching frames are dropped. */
    public boolean drop() {
        return action == Action.DROP;
    }

    /** One line: "ARP to queue 0", "IPv4 to 198.18.0.2 over queues 0-1 by RSS", "TCP to 198.18.0.2:80 to queue 0". */
    public String describe() {
        String match;
        if (etherType != 0 && etherType != ETHER_TYPE_IPV4) {
            match = etherType == ETHER_TYPE_ARP ? "ARP" : "Ethernet type 0x" + Integer.toHexString(etherType);
        } else {
            match = (ipProtocol == TCP ? "TCP" : ipProtocol == UDP ? "UDP" : "IPv4")
                + (sourceIpMask == 0 ? "" : " from " + IpAddress.v4ToString(sourceIp) + mask(sourceIpMask))
                + (destinationIpMask == 0 ? "" : " to " + IpAddress.v4ToString(destinationIp) + mask(destinationIpMask))
                + (ipProtocol != 0 && destinationPortMask != 0 ? " port " + destinationPort : "");
        }
        return match + switch (action) {
            case QUEUE -> " to queue " + queue;
            case RSS -> " over queues " + queue + "-" + (queue + rssQueues - 1) + " by RSS"
                + (rssKey == null ? "" : " (" + rssKey.length + "-byte key of its own)");
            case DROP -> " dropped";
        };
    }

    private static String mask(int mask) {
        return mask == -1 ? "" : Integer.bitCount(mask) == 32 - Integer.numberOfTrailingZeros(mask)
            ? "/" + Integer.bitCount(mask) : " mask " + IpAddress.v4ToString(mask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DpdkFlowRule r && priority == r.priority && group == r.group && etherType == r.etherType
            && sourceIp == r.sourceIp && sourceIpMask == r.sourceIpMask && destinationIp == r.destinationIp
            && destinationIpMask == r.destinationIpMask && sourcePort == r.sourcePort
            && sourcePortMask == r.sourcePortMask && destinationPort == r.destinationPort
            && destinationPortMask == r.destinationPortMask && ipProtocol == r.ipProtocol && action == r.action
            && queue == r.queue && rssQueues == r.rssQueues && rssTypes == r.rssTypes && Arrays.equals(rssKey, r.rssKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(priority, group, etherType, sourceIp, sourceIpMask, destinationIp, destinationIpMask,
            sourcePort, sourcePortMask, destinationPort, destinationPortMask, ipProtocol, action, queue, rssQueues,
            rssTypes, Arrays.hashCode(rssKey));
    }

    @Override
    public String toString() {
        return "DpdkFlowRule[" + describe() + (priority == 0 ? "" : ", priority " + priority)
            + (group == 0 ? "" : ", group " + group) + "]";
    }
}
