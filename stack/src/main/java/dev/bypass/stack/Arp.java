package dev.bypass.stack;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.time.Deadlines;
import dev.bypass.stack.time.TimerQueue;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.EthernetHeader;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2IntHashMap;

/**
 * ARP (RFC 826) for IPv4 over Ethernet: answers for our address, resolves next hops, and keeps a bounded
 * cache.
 *
 * <p>Each cache entry is in one of four states, a simplified form of Linux's neighbour states:
 * <ul>
 *   <li>INCOMPLETE: a broadcast request is out; packets wait in a bounded per-entry queue and the
 *       request is sent every {@code arpRetransmitNs}, {@code arpRetries} times in all (as Linux's
 *       mcast_solicit), and {@code arpRetransmitNs} after the last one the waiting packets are dropped
 *       and counted.</li>
 *   <li>REACHABLE: confirmed within {@code arpReachableNs}; used as is.</li>
 *   <li>STALE: older than that; still used, and the next use sends a unicast request (PROBE).</li>
 *   <li>PROBE: a unicast request is out; the entry is used meanwhile and removed if it goes unanswered.</li>
 * </ul>
 * Input follows RFC 826's merge rule: a packet from a host already in the cache updates it; a packet
 * asking for us also adds its sender. On start the stack announces itself with a gratuitous request
 * (RFC 5227 "ARP announcement"). All tables are arrays sized at start; nothing is allocated per packet.
 */
final class Arp implements TimerQueue.Owner {
    private static final byte FREE = 0;
    private static final byte INCOMPLETE = 1;
    private static final byte REACHABLE = 2;
    private static final byte STALE = 3;
    private static final byte PROBE = 4;

    private final NetworkStack stack;
    private final StackConfig config;
    private final int timerHandle;
    private final ArpPacket packet = new ArpPacket();

    private final int capacity;
    private final int[] ip;
    private final long[] mac;
    private final byte[] state;
    private final long[] confirmedAt;
    private final long[] nextProbeAt;
    private final int[] probes;
    private final long[] lastUsed;
    private final Frame[] pending;
    private final int[] pendingCount;
    private final int perEntry;
    private final Int2IntHashMap slotOf;
    private int entries;

    Arp(NetworkStack stack, StackConfig config, int timerHandle) {
        this.stack = stack;
        this.config = config;
        this.timerHandle = timerHandle;
        capacity = config.arpCacheEntries();
        perEntry = config.arpPendingPerEntry();
        ip = new int[capacity];
        mac = new long[capacity];
        state = new byte[capacity];
        confirmedAt = new long[capacity];
        nextProbeAt = new long[capacity];
        probes = new int[capacity];
        lastUsed = new long[capacity];
        pending = new Frame[capacity * perEntry];
        pendingCount = new int[capacity];
        slotOf = new Int2IntHashMap(capacity * 2, 0.65f, -1);
    }

    // ------------------------------------------------------------------------------------------ input

    /** Processes an ARP packet at {@code offset}; returns the drop reason or null. */
    /**
     * An ARP packet. {@code answer} is false for a copy from the stack of another queue of the same device,
     * which has answered it already: this stack only learns from it.
     */
    Counter input(MutableDirectBuffer buffer, int offset, int length, long nowNs, boolean answer) {
        if (length < ArpPacket.LENGTH) {
            return Counter.ARP_DROP_MALFORMED;
        }
        packet.wrap(buffer, offset);
        int operation = packet.operation();
        if (!packet.isEthernetIpv4() || (operation != ArpPacket.OPERATION_REQUEST && operation != ArpPacket.OPERATION_REPLY)) {
            return Counter.ARP_DROP_MALFORMED;
        }
        long senderMac = packet.senderMac();
        int senderIp = packet.senderIp();
        int targetIp = packet.targetIp();
        if (MacAddress.isMulticast(senderMac) || senderMac == 0 || !stack.ipv4().isUnicastOrZero(senderIp)) {
            return Counter.ARP_DROP_BAD_SENDER;
        }
        stack.counters().increment(operation == ArpPacket.OPERATION_REQUEST ? Counter.ARP_RX_REQUESTS : Counter.ARP_RX_REPLIES);
        if (config.isLocalAddress(senderIp)) {
            // Someone else uses our address (RFC 5227 section 2.4): count it so an operator sees it.
            if (senderMac != stack.ethernet().mac()) {
                stack.counters().increment(Counter.ARP_ADDRESS_CONFLICTS);
            }
            return null;
        }
        // RFC 826 merge: update the sender if we know it already.
        boolean merged = false;
        if (senderIp != 0) {
            int slot = slotOf.get(senderIp);
            if (slot >= 0) {
                confirm(slot, senderMac, nowNs);
                merged = true;
            }
        }
        if (config.isLocalAddress(targetIp)) {
            if (!merged && senderIp != 0) {
                int slot = allocate(senderIp, nowNs);
                if (slot >= 0) {
                    confirm(slot, senderMac, nowNs);
                }
            }
            if (operation == ArpPacket.OPERATION_REQUEST && answer) {
                send(ArpPacket.OPERATION_REPLY, senderMac, targetIp, senderIp, senderMac); // from the address asked for
                stack.counters().increment(Counter.ARP_TX_REPLIES);
            }
        }
        return null;
    }

    // ----------------------------------------------------------------------------------------- output

    /**
     * Sends an IPv4 packet (the frame's data window) to {@code nextHop}: at once if its MAC is known,
     * else after resolution (the frame waits, bounded).
     */
    void sendIpv4(Frame frame, int nextHop, long nowNs) {
        if (nextHop == -1 || stack.ipv4().isDirectedBroadcast(nextHop)) {
            stack.ethernet().send(frame, MacAddress.BROADCAST, EthernetHeader.TYPE_IPV4);
            return;
        }
        if (Igmp.isMulticast(nextHop)) {
            stack.ethernet().send(frame, Igmp.macOf(nextHop), EthernetHeader.TYPE_IPV4); // no resolution: RFC 1112 6.4
            return;
        }
        int slot = slotOf.get(nextHop);
        if (slot < 0) {
            slot = allocate(nextHop, nowNs);
            if (slot < 0) {
                stack.counters().increment(Counter.ARP_PENDING_DROPPED);
                frame.release();
                return;
            }
            state[slot] = INCOMPLETE;
            probes[slot] = 1;
            nextProbeAt[slot] = nowNs + config.arpRetransmitNs();
            enqueue(slot, frame);
            send(ArpPacket.OPERATION_REQUEST, MacAddress.BROADCAST, nextHop, MacAddress.ZERO);
            stack.counters().increment(Counter.ARP_TX_REQUESTS);
            reschedule();
            return;
        }
        lastUsed[slot] = nowNs;
        switch (state[slot]) {
            case INCOMPLETE -> enqueue(slot, frame);
            case REACHABLE -> {
                if (nowNs - confirmedAt[slot] >= config.arpReachableNs()) {
                    startProbe(slot, nowNs);
                }
                stack.ethernet().send(frame, mac[slot], EthernetHeader.TYPE_IPV4);
            }
            case STALE -> {
                startProbe(slot, nowNs);
                stack.ethernet().send(frame, mac[slot], EthernetHeader.TYPE_IPV4);
            }
            default -> stack.ethernet().send(frame, mac[slot], EthernetHeader.TYPE_IPV4);
        }
    }

    /**
     * Gratuitous ARP: a request for our own address from our own address (RFC 5227 announcement), and the
     * same for the public address if this stack answers for it.
     */
    void announce() {
        send(ArpPacket.OPERATION_REQUEST, MacAddress.BROADCAST, config.address(), MacAddress.ZERO);
        stack.counters().increment(Counter.ARP_TX_REQUESTS);
        if (config.publicAddress() != 0) {
            send(ArpPacket.OPERATION_REQUEST, MacAddress.BROADCAST, config.publicAddress(), config.publicAddress(),
                MacAddress.ZERO);
            stack.counters().increment(Counter.ARP_TX_REQUESTS);
        }
    }

    /** The cached MAC of {@code address}, or -1: for tests and diagnostics. */
    long lookup(int address) {
        int slot = slotOf.get(address);
        return slot < 0 || state[slot] == INCOMPLETE ? -1 : mac[slot];
    }

    int entries() {
        return entries;
    }

    // ----------------------------------------------------------------------------------------- timers

    @Override
    public void onTimer(int handle, long nowNs) {
        for (int slot = 0; slot < capacity; slot++) {
            byte s = state[slot];
            if ((s != INCOMPLETE && s != PROBE) || nowNs - nextProbeAt[slot] < 0) {
                continue;
            }
            if (probes[slot] >= config.arpRetries()) {
                // No answer: the neighbour is gone. Drop what waited for it (RFC 1122 2.3.2.2).
                stack.counters().increment(Counter.ARP_RESOLUTION_FAILED);
                remove(slot);
                continue;
            }
            probes[slot]++;
            nextProbeAt[slot] = nowNs + config.arpRetransmitNs();
            long target = s == PROBE ? mac[slot] : MacAddress.BROADCAST;
            send(ArpPacket.OPERATION_REQUEST, target, ip[slot], s == PROBE ? mac[slot] : MacAddress.ZERO);
            stack.counters().increment(Counter.ARP_TX_REQUESTS);
        }
        reschedule();
    }

    private void reschedule() {
        long next = Deadlines.NONE;
        for (int slot = 0; slot < capacity; slot++) {
            if (state[slot] == INCOMPLETE || state[slot] == PROBE) {
                next = Deadlines.earliest(next, nextProbeAt[slot]);
            }
        }
        stack.timers().schedule(timerHandle, next);
    }

    // ---------------------------------------------------------------------------------------- helpers

    private void startProbe(int slot, long nowNs) {
        state[slot] = PROBE;
        probes[slot] = 1;
        nextProbeAt[slot] = nowNs + config.arpRetransmitNs();
        send(ArpPacket.OPERATION_REQUEST, mac[slot], ip[slot], mac[slot]);
        stack.counters().increment(Counter.ARP_TX_REQUESTS);
        reschedule();
    }

    private void confirm(int slot, long senderMac, long nowNs) {
        boolean wasWaiting = state[slot] == INCOMPLETE || state[slot] == PROBE;
        mac[slot] = senderMac;
        state[slot] = REACHABLE;
        confirmedAt[slot] = nowNs;
        lastUsed[slot] = nowNs;
        int n = pendingCount[slot];
        pendingCount[slot] = 0;
        for (int i = 0; i < n; i++) {
            Frame f = pending[slot * perEntry + i];
            pending[slot * perEntry + i] = null;
            stack.ethernet().send(f, senderMac, EthernetHeader.TYPE_IPV4);
        }
        if (wasWaiting) {
            reschedule();
        }
    }

    private void enqueue(int slot, Frame frame) {
        if (pendingCount[slot] == perEntry) {
            stack.counters().increment(Counter.ARP_PENDING_DROPPED);
            frame.release();
            return;
        }
        pending[slot * perEntry + pendingCount[slot]++] = frame;
    }

    /** A free slot for {@code address}, evicting the least recently used resolved entry when full; -1 if none. */
    private int allocate(int address, long nowNs) {
        int slot = -1;
        if (entries < capacity) {
            for (int i = 0; i < capacity; i++) {
                if (state[i] == FREE) {
                    slot = i;
                    break;
                }
            }
        } else {
            long oldest = Long.MAX_VALUE;
            for (int i = 0; i < capacity; i++) {
                if (state[i] != INCOMPLETE && lastUsed[i] < oldest) {
                    oldest = lastUsed[i];
                    slot = i;
                }
            }
            if (slot < 0) {
                return -1;
            }
            stack.counters().increment(Counter.ARP_CACHE_EVICTIONS);
            remove(slot);
        }
        ip[slot] = address;
        mac[slot] = 0;
        state[slot] = INCOMPLETE;
        confirmedAt[slot] = nowNs;
        lastUsed[slot] = nowNs;
        probes[slot] = 0;
        slotOf.put(address, slot);
        entries++;
        return slot;
    }

    private void remove(int slot) {
        int n = pendingCount[slot];
        if (n > 0) {
            stack.counters().add(Counter.ARP_PENDING_DROPPED, n);
            for (int i = 0; i < n; i++) {
                pending[slot * perEntry + i].release();
                pending[slot * perEntry + i] = null;
            }
            pendingCount[slot] = 0;
        }
        slotOf.remove(ip[slot]);
        state[slot] = FREE;
        entries--;
    }

    /** Builds and sends one ARP packet from us. */
    private void send(int operation, long ethernetDestination, int targetIp, long targetMac) {
        send(operation, ethernetDestination, config.address(), targetIp, targetMac);
    }

    /** An ARP packet from our MAC and {@code senderIp} (one of the stack's addresses). */
    private void send(int operation, long ethernetDestination, int senderIp, int targetIp, long targetMac) {
        Frame frame = stack.allocateTxFrame();
        if (frame == null) {
            return;
        }
        packet.wrap(frame.buffer(), frame.offset());
        packet.write(operation, stack.ethernet().mac(), senderIp, targetMac, targetIp);
        frame.length(ArpPacket.LENGTH);
        stack.ethernet().send(frame, ethernetDestination, EthernetHeader.TYPE_ARP);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("arp cache:");
        for (int i = 0; i < capacity; i++) {
            if (state[i] != FREE) {
                sb.append(' ').append(IpAddress.v4ToString(ip[i])).append('=').append(MacAddress.toString(mac[i]))
                    .append('/').append(state[i]);
            }
        }
        return sb.toString();
    }
}
