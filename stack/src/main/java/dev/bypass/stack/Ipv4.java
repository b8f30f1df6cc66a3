package dev.bypass.stack;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.time.TimerQueue;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.agrona.DirectBuffer;

/**
 * IPv4 (RFC 791, host requirements of RFC 1122) for one interface: input checks, delivery to ICMP,
 * UDP and TCP, reassembly of fragments ({@link Ipv4Reassembly}), and output with routing
 * (longest-prefix match over the configured routes, a next hop resolved by ARP), fragmentation of
 * datagrams larger than the MTU, and a path MTU cache fed by ICMP "fragmentation needed" (RFC 1191).
 *
 * <p>A host does not forward: packets for other addresses are counted and dropped. Options are skipped
 * (the header length says where the payload starts); none are sent.
 */
final class Ipv4 {
    /** The limited broadcast address, 255.255.255.255. */
    static final int LIMITED_BROADCAST = -1;
    private static final int HEADER_LENGTH = Ipv4Header.MIN_LENGTH;

    private final NetworkStack stack;
    private final StackConfig config;
    private final Ipv4Header header = new Ipv4Header();
    private final Ipv4Packet packet = new Ipv4Packet();
    private final Ipv4Reassembly reassembly;
    private final int address;
    /** The host's public IP when this stack answers for it (a second local address), else 0. */
    private final int publicAddress;
    private final int netmask;
    private final int subnetBroadcast;
    private final int mtu;
    private final boolean offloadChecksum;
    private final Ipv4Route[] routes;
    private int nextIdentification;

    // Path MTU cache (RFC 1191): a small table, consulted when a connection sizes its MSS.
    private final int[] pmtuDestination;
    private final int[] pmtuValue;
    private final long[] pmtuExpiresAt;

    Ipv4(NetworkStack stack, StackConfig config, int mtu, boolean offloadChecksum, int reassemblyTimerHandle) {
        this.stack = stack;
        this.config = config;
        this.address = config.address();
        this.publicAddress = config.publicAddress();
        this.netmask = Ipv4Route.mask(config.prefixLength());
        this.subnetBroadcast = config.prefixLength() >= 31 ? 0 : address | ~netmask;
        this.mtu = mtu;
        this.offloadChecksum = offloadChecksum;
        this.routes = sortedRoutes(config.routes(), config.name());
        this.reassembly = new Ipv4Reassembly(stack, config, reassemblyTimerHandle);
        this.pmtuDestination = new int[config.pmtuCacheEntries()];
        this.pmtuValue = new int[config.pmtuCacheEntries()];
        this.pmtuExpiresAt = new long[config.pmtuCacheEntries()];
        this.nextIdentification = (int) (config.secretSeed() ^ address) & 0xFFFF;
    }

    /** Routes by prefix length, longest first; every gateway must be reachable on-link. */
    private static Ipv4Route[] sortedRoutes(List<Ipv4Route> configured, String name) {
        List<Ipv4Route> list = new ArrayList<>(configured);
        list.sort(Comparator.comparingInt(Ipv4Route::length).reversed());
        for (Ipv4Route r : list) {
            if (!r.onLink() && list.stream().noneMatch(o -> o.onLink() && o.matches(r.gateway()))) {
                throw new IllegalArgumentException("stack '" + name + "': gateway " + IpAddress.v4ToString(r.gateway())
                    + " of route " + r + " is not on any on-link prefix");
            }
        }
        return list.toArray(new Ipv4Route[0]);
    }

    int address() {
        return address;
    }

    TimerQueue.Owner reassemblyTimerOwner() {
        return reassembly;
    }

    int mtu() {
        return mtu;
    }

    // ------------------------------------------------------------------------------------------ input

    /** Processes an IPv4 packet at {@code offset} of a received frame; returns the drop reason or null. */
    Counter input(Frame frame, int offset, int length, long nowNs) {
        stack.counters().increment(Counter.IP_IN_RECEIVES);
        if (length < HEADER_LENGTH) {
            return Counter.IP_DROP_TOO_SHORT;
        }
        header.wrap(frame.buffer(), offset);
        if (header.version() != 4) {
            return Counter.IP_DROP_BAD_VERSION;
        }
        int headerLength = header.headerLength();
        if (headerLength < HEADER_LENGTH || headerLength > length) {
            return Counter.IP_DROP_BAD_HEADER_LENGTH;
        }
        int totalLength = header.totalLength();
        if (totalLength < headerLength || totalLength > length) {
            // Longer frames are fine (Ethernet padding); a shorter one was truncated.
            return Counter.IP_DROP_BAD_TOTAL_LENGTH;
        }
        if ((frame.rxFlags() & Frame.RX_IP_CHECKSUM_GOOD) == 0 && !header.checksumValid()) {
            return Counter.IP_DROP_BAD_CHECKSUM;
        }
        int source = header.source();
        int destination = header.destination();
        if (!isValidSource(source)) {
            return Counter.IP_DROP_BAD_SOURCE;
        }
        boolean broadcast;
        if (destination == address || (publicAddress != 0 && destination == publicAddress)) {
            broadcast = false;
        } else if (destination == LIMITED_BROADCAST || (subnetBroadcast != 0 && destination == subnetBroadcast)) {
            broadcast = true;
        } else if (Igmp.isMulticast(destination) && stack.igmp().accepts(destination)) {
            broadcast = true; // a joined group: delivered like a broadcast (no TCP, no ICMP errors about it)
        } else {
            return Counter.IP_DROP_NOT_FOR_US;
        }
        Ipv4Packet p = packet;
        p.buffer = frame.buffer();
        p.headerOffset = offset;
        p.headerLength = headerLength;
        p.totalLength = totalLength;
        p.payloadOffset = offset + headerLength;
        p.payloadLength = totalLength - headerLength;
        p.source = source;
        p.destination = destination;
        p.protocol = header.protocol();
        p.ttl = header.ttl();
        p.tos = header.tos();
        p.identification = header.identification();
        p.rxFlags = frame.rxFlags();
        p.broadcast = broadcast;
        p.reassembled = false;
        int fragment = header.flagsAndFragment();
        if ((fragment & (Ipv4Header.FLAG_MORE_FRAGMENTS | Ipv4Header.FRAGMENT_OFFSET_MASK)) != 0) {
            return reassembly.input(p, (fragment & Ipv4Header.FRAGMENT_OFFSET_MASK) * 8,
                (fragment & Ipv4Header.FLAG_MORE_FRAGMENTS) != 0, nowNs);
        }
        return deliver(p, nowNs);
    }

    /** Hands a whole datagram to its protocol (also called by reassembly). */
    Counter deliver(Ipv4Packet p, long nowNs) {
        stack.counters().increment(Counter.IP_IN_DELIVERS);
        return switch (p.protocol) {
            case Ipv4Header.PROTOCOL_TCP -> stack.tcp().input(p, nowNs);
            case Ipv4Header.PROTOCOL_UDP -> stack.udp().input(p, nowNs);
            case Ipv4Header.PROTOCOL_ICMP -> stack.icmp().input(p, nowNs);
            case Igmp.PROTOCOL -> stack.igmp().input(p, nowNs);
            default -> {
                Counter fate = stack.passToKernel(p.reassembled);
                if (fate != null) {
                    yield fate;
                }
                if (!p.broadcast) {
                    stack.icmp().sendUnreachable(IcmpHeader.CODE_PROTOCOL_UNREACHABLE, p, 0, nowNs);
                }
                yield Counter.IP_DROP_UNKNOWN_PROTOCOL;
            }
        };
    }

    /** RFC 1122 3.2.1.3: a source must be a unicast address that is not ours. */
    private boolean isValidSource(int source) {
        return isUnicast(source) && !config.isLocalAddress(source) && source != subnetBroadcast;
    }

    /** Not 0/8, loopback 127/8, multicast 224/4, reserved 240/4 or broadcast. */
    static boolean isUnicast(int a) {
        int first = a >>> 24;
        return first != 0 && first != 127 && first < 224;
    }

    /** A unicast address, or 0.0.0.0 (an ARP probe's sender, RFC 5227). */
    boolean isUnicastOrZero(int a) {
        return a == 0 || isUnicast(a);
    }

    /** TTL 1 for multicast (IP_MULTICAST_TTL's default: the datagram stays on the link), the default otherwise. */
    private int ttlFor(int destination) {
        return Igmp.isMulticast(destination) ? 1 : config.defaultTtl();
    }

    boolean isDirectedBroadcast(int a) {
        return a == LIMITED_BROADCAST || (subnetBroadcast != 0 && a == subnetBroadcast);
    }

    // ----------------------------------------------------------------------------------------- output

    /**
     * The next hop towards {@code destination}: the destination itself on-link, a gateway, -1 for a
     * broadcast, or 0 if no route matches or the destination may not be sent to.
     */
    int route(int destination) {
        if (isDirectedBroadcast(destination)) {
            return LIMITED_BROADCAST;
        }
        if (Igmp.isMulticast(destination)) {
            return destination; // on the link: a multicast group's frames go to its Ethernet address (RFC 1112)
        }
        if (!isUnicast(destination)) {
            // RFC 1122 3.2.1.3: 0/8 and 127/8 must not appear outside a host; class E is not sent either:
            // not even a default route takes them.
            return 0;
        }
        for (Ipv4Route r : routes) {
            if (r.matches(destination)) {
                return r.onLink() ? destination : r.gateway();
            }
        }
        return 0;
    }

    /**
     * Sends the transport packet in the frame's data window to {@code destination}, prepending the IPv4
     * header. The frame is passed on or released. Packets that do not fit the MTU are fragmented unless
     * {@code dontFragment}; TSO super-segments are left for the device to cut. Returns false if the packet
     * was dropped here (no route, too big with {@code dontFragment}, no frame for a fragment), true if it
     * went on to ARP (which may still hold it for resolution).
     */
    boolean send(Frame frame, int destination, int protocol, boolean dontFragment, long nowNs) {
        return send(frame, address, destination, protocol, dontFragment, nowNs);
    }

    /** As {@link #send(Frame, int, int, boolean, long)}, from {@code from}: one of the stack's addresses. */
    boolean send(Frame frame, int from, int destination, int protocol, boolean dontFragment, long nowNs) {
        int nextHop = route(destination);
        if (nextHop == 0) {
            stack.counters().increment(Counter.IP_OUT_NO_ROUTES);
            frame.release();
            return false;
        }
        int l4Length = frame.length();
        int total = l4Length + HEADER_LENGTH;
        if (total > mtu && (frame.txFlags() & Frame.TX_TCP_SEGMENTATION) == 0) {
            if (dontFragment) {
                stack.counters().increment(Counter.IP_FRAG_FAILS);
                frame.release();
                return false;
            }
            boolean sent = sendFragments(frame.buffer(), frame.offset(), l4Length, from, destination, protocol, nextHop,
                nowNs);
            frame.release();
            return sent;
        }
        int offset = frame.prepend(HEADER_LENGTH);
        header.wrap(frame.buffer(), offset).write(0, total, nextIdentification++ & 0xFFFF,
            dontFragment ? Ipv4Header.FLAG_DONT_FRAGMENT : 0, ttlFor(destination), protocol, from, destination,
            offloadChecksum);
        if (offloadChecksum) {
            frame.txOffload(frame.txFlags() | Frame.TX_IP_CHECKSUM, 14, HEADER_LENGTH, frame.l4Length(),
                frame.tsoSegmentSize());
        } else if (frame.txFlags() != 0) {
            frame.txOffload(frame.txFlags(), 14, HEADER_LENGTH, frame.l4Length(), frame.tsoSegmentSize());
        }
        stack.counters().increment(Counter.IP_OUT_REQUESTS);
        stack.arp().sendIpv4(frame, nextHop, nowNs);
        return true;
    }

    /**
     * Sends a transport packet held in an ordinary buffer: copied into one frame if it fits the MTU,
     * else cut into fragments. Returns false if nothing could be sent (no route, no frame).
     */
    boolean sendBuffer(DirectBuffer source, int offset, int l4Length, int destination, int protocol, long nowNs) {
        return sendBuffer(source, offset, l4Length, address, destination, protocol, nowNs);
    }

    /** As {@link #sendBuffer(DirectBuffer, int, int, int, int, long)}, from {@code from}: one of the stack's addresses. */
    boolean sendBuffer(DirectBuffer source, int offset, int l4Length, int from, int destination, int protocol,
                       long nowNs) {
        if (l4Length + HEADER_LENGTH <= mtu) {
            Frame frame = stack.allocateTxFrame();
            if (frame == null) {
                return false;
            }
            // The stack checked at start that a frame holds an MTU-sized packet after its headroom.
            frame.buffer().putBytes(frame.offset(), source, offset, l4Length);
            frame.length(l4Length);
            return send(frame, from, destination, protocol, false, nowNs);
        }
        int nextHop = route(destination);
        if (nextHop == 0) {
            stack.counters().increment(Counter.IP_OUT_NO_ROUTES);
            return false;
        }
        return sendFragments(source, offset, l4Length, from, destination, protocol, nextHop, nowNs);
    }

    /**
     * Cuts a transport packet ({@code l4Length} bytes at {@code offset} of {@code source}) into fragments
     * of the MTU (RFC 791: every fragment but the last carries a multiple of 8 bytes) and sends each.
     * Returns false if a fragment could not get a frame (the datagram is lost: its receiver cannot
     * reassemble it).
     */
    boolean sendFragments(DirectBuffer source, int offset, int l4Length, int from, int destination, int protocol,
                          int nextHop, long nowNs) {
        int chunk = ((mtu - HEADER_LENGTH) / 8) * 8;
        int id = nextIdentification++ & 0xFFFF;
        int created = 0;
        for (int done = 0; done < l4Length; done += chunk) {
            int len = Math.min(chunk, l4Length - done);
            Frame f = stack.allocateTxFrame();
            if (f == null || f.tailroom() < len + HEADER_LENGTH) {
                if (f != null) {
                    f.release();
                }
                stack.counters().increment(Counter.IP_FRAG_FAILS);
                return false;
            }
            f.buffer().putBytes(f.offset(), source, offset + done, len);
            f.length(len);
            boolean more = done + len < l4Length;
            int off = f.prepend(HEADER_LENGTH);
            header.wrap(f.buffer(), off).write(0, len + HEADER_LENGTH, id,
                (more ? Ipv4Header.FLAG_MORE_FRAGMENTS : 0) | (done / 8), ttlFor(destination), protocol, from,
                destination, false);
            stack.counters().increment(Counter.IP_OUT_REQUESTS);
            stack.arp().sendIpv4(f, nextHop, nowNs);
            created++;
        }
        stack.counters().increment(Counter.IP_FRAG_OKS);
        stack.counters().add(Counter.IP_FRAG_CREATES, created);
        return true;
    }

    // -------------------------------------------------------------------------------------- path MTU

    /** The path MTU towards {@code destination}: the cached value if one is fresh, else the link MTU. */
    int pathMtu(int destination, long nowNs) {
        for (int i = 0; i < pmtuDestination.length; i++) {
            if (pmtuDestination[i] == destination && pmtuValue[i] != 0) {
                if (nowNs - pmtuExpiresAt[i] < 0) {
                    return pmtuValue[i];
                }
                pmtuValue[i] = 0;
            }
        }
        return mtu;
    }

    /** Lowers the path MTU towards {@code destination} (RFC 1191); returns true if it went down. */
    boolean lowerPathMtu(int destination, int newMtu, long nowNs) {
        int clamped = Math.max(newMtu, 576);
        if (clamped >= pathMtu(destination, nowNs)) {
            return false;
        }
        int slot = -1;
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < pmtuDestination.length; i++) {
            if (pmtuDestination[i] == destination || pmtuValue[i] == 0) {
                slot = i;
                break;
            }
            if (pmtuExpiresAt[i] < oldest) {
                oldest = pmtuExpiresAt[i];
                slot = i;
            }
        }
        pmtuDestination[slot] = destination;
        pmtuValue[slot] = clamped;
        pmtuExpiresAt[slot] = nowNs + config.pmtuExpiryNs();
        stack.counters().increment(Counter.ICMP_PMTU_UPDATES);
        return true;
    }
}
