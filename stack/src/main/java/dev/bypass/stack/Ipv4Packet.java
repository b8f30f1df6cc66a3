package dev.bypass.stack;

import org.agrona.MutableDirectBuffer;

/**
 * What IPv4 hands to ICMP, UDP and TCP: the parsed header of the packet being processed and where its
 * payload lies. One instance per stack, overwritten by each packet; upper layers read it during the
 * call and keep nothing. For a reassembled datagram {@link #buffer} is the reassembly buffer, not a
 * frame.
 */
public final class Ipv4Packet {
    public MutableDirectBuffer buffer;
    public int headerOffset;
    public int headerLength;
    public int totalLength;
    public int payloadOffset;
    public int payloadLength;
    public int source;
    public int destination;
    public int protocol;
    public int ttl;
    public int tos;
    public int identification;
    /** Receive flags of the frame ({@code Frame.RX_*}); 0 for reassembled datagrams. */
    public int rxFlags;
    /** Sent to a broadcast address (limited or our subnet's): no ICMP errors, no TCP. */
    public boolean broadcast;
    public boolean reassembled;
}
