package dev.bypass.stack;

import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;
import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * ICMP (RFC 792, host rules of RFC 1122 3.2.2): answers echo requests, sends "destination unreachable"
 * for unknown protocols and ports, and turns received errors into action: "fragmentation needed" lowers
 * the path MTU (RFC 1191), errors about TCP segments go to the connection after checking the quoted
 * sequence number (RFC 5927).
 *
 * <p>Errors are never sent about ICMP errors, broadcasts, non-initial fragments or non-unicast sources
 * (RFC 1122 3.2.2), and are rate-limited by a token bucket (RFC 1812 4.3.2.8).
 */
public final class Icmp {
    /** Receives echo replies (a ping client). Called on the stack's thread. */
    @FunctionalInterface
    public interface EchoListener {
        void onEchoReply(int source, int identifier, int sequence, DirectBuffer data, int offset, int length, long nowNs);
    }

    /** Most bytes of an error message, IP header included (RFC 1812 4.3.2.3). */
    private static final int MAX_ERROR_LENGTH = 576;
    /** RFC 1191 section 7 plateau table, for routers that send a next-hop MTU of 0. */
    private static final int[] PLATEAUS = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};

    private final NetworkStack stack;
    private final StackConfig config;
    private final IcmpHeader icmp = new IcmpHeader();
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(65536));
    private EchoListener echoListener;

    // Token bucket for errors: tokens scaled by 1e9 so refills need no division per packet.
    private long tokensNano;
    private long lastRefillNs;
    private boolean bucketStarted;

    Icmp(NetworkStack stack, StackConfig config) {
        this.stack = stack;
        this.config = config;
    }

    public void echoListener(EchoListener listener) {
        this.echoListener = listener;
    }

    // ------------------------------------------------------------------------------------------ input

    Counter input(Ipv4Packet p, long nowNs) {
        stack.counters().increment(Counter.ICMP_IN_MSGS);
        int length = p.payloadLength;
        if (length < IcmpHeader.LENGTH) {
            return Counter.ICMP_DROP_TOO_SHORT;
        }
        if (!Checksum.isValid(Checksum.sum(p.buffer, p.payloadOffset, length))) {
            return Counter.ICMP_DROP_BAD_CHECKSUM;
        }
        icmp.wrap(p.buffer, p.payloadOffset);
        switch (icmp.type()) {
            case IcmpHeader.TYPE_ECHO_REQUEST -> {
                if (p.broadcast) {
                    return Counter.ICMP_DROP_BROADCAST_ECHO;
                }
                stack.counters().increment(Counter.ICMP_IN_ECHOS);
                reply(p, nowNs);
                return null;
            }
            case IcmpHeader.TYPE_ECHO_REPLY -> {
                stack.counters().increment(Counter.ICMP_IN_ECHO_REPS);
                if (echoListener != null) {
                    echoListener.onEchoReply(p.source, icmp.identifier(), icmp.sequence(), p.buffer,
                        p.payloadOffset + IcmpHeader.LENGTH, length - IcmpHeader.LENGTH, nowNs);
                }
                return null;
            }
            case IcmpHeader.TYPE_DESTINATION_UNREACHABLE -> {
                stack.counters().increment(Counter.ICMP_IN_DEST_UNREACHS);
                return error(p, icmp.code(), icmp.nextHopMtu(), nowNs);
            }
            case IcmpHeader.TYPE_TIME_EXCEEDED, IcmpHeader.TYPE_PARAMETER_PROBLEM -> {
                // Soft errors (RFC 1122 4.2.3.9): nothing to change, but they must quote a packet of ours.
                int quoted = quotedHeaderOffset(p);
                if (quoted < 0) {
                    return Counter.ICMP_DROP_TOO_SHORT;
                }
                return stack.config().isLocalAddress(p.buffer.getInt(quoted + Ipv4Header.SOURCE_OFFSET, BIG_ENDIAN))
                    ? null : Counter.ICMP_DROP_UNMATCHED_ERROR;
            }
            default -> {
                return Counter.ICMP_DROP_UNHANDLED;
            }
        }
    }

    /** Offset of the quoted IP header if the message quotes one of our packets with 8 transport bytes, else -1. */
    private int quotedHeaderOffset(Ipv4Packet p) {
        int quoted = p.payloadOffset + IcmpHeader.LENGTH;
        int available = p.payloadLength - IcmpHeader.LENGTH;
        if (available < Ipv4Header.MIN_LENGTH) {
            return -1;
        }
        int hl = (p.buffer.getByte(quoted) & 0xF) * 4;
        if (hl < Ipv4Header.MIN_LENGTH || available < hl + 8) {
            return -1;
        }
        return quoted;
    }

    private Counter error(Ipv4Packet p, int code, int nextHopMtu, long nowNs) {
        int quoted = quotedHeaderOffset(p);
        if (quoted < 0) {
            return Counter.ICMP_DROP_TOO_SHORT;
        }
        int hl = (p.buffer.getByte(quoted) & 0xF) * 4;
        int quotedSource = p.buffer.getInt(quoted + Ipv4Header.SOURCE_OFFSET, BIG_ENDIAN);
        int quotedDestination = p.buffer.getInt(quoted + Ipv4Header.DESTINATION_OFFSET, BIG_ENDIAN);
        int protocol = p.buffer.getByte(quoted + Ipv4Header.PROTOCOL_OFFSET) & 0xFF;
        if (!stack.config().isLocalAddress(quotedSource)) {
            return Counter.ICMP_DROP_UNMATCHED_ERROR;
        }
        int transport = quoted + hl;
        int sourcePort = p.buffer.getShort(transport, BIG_ENDIAN) & 0xFFFF;
        int destinationPort = p.buffer.getShort(transport + 2, BIG_ENDIAN) & 0xFFFF;
        int mtu = 0;
        if (code == IcmpHeader.CODE_FRAGMENTATION_NEEDED) {
            mtu = nextHopMtu != 0 ? nextHopMtu : plateauBelow(p.buffer.getShort(quoted + Ipv4Header.TOTAL_LENGTH_OFFSET,
                BIG_ENDIAN) & 0xFFFF);
        }
        if (protocol == Ipv4Header.PROTOCOL_TCP) {
            int seq = p.buffer.getInt(transport + 4, BIG_ENDIAN);
            return stack.tcp().onIcmpError(quotedSource, quotedDestination, sourcePort, destinationPort, seq, code, mtu, nowNs)
                ? null : Counter.ICMP_DROP_UNMATCHED_ERROR;
        }
        if (mtu != 0) {
            stack.ipv4().lowerPathMtu(quotedDestination, mtu, nowNs);
        }
        return null;
    }

    private static int plateauBelow(int length) {
        for (int plateau : PLATEAUS) {
            if (plateau < length) {
                return plateau;
            }
        }
        return 68;
    }

    // ----------------------------------------------------------------------------------------- output

    /** Echo reply: the request with type 0, from the address it was sent to. */
    private void reply(Ipv4Packet p, long nowNs) {
        int length = p.payloadLength;
        scratch.putBytes(0, p.buffer, p.payloadOffset, length);
        icmp.wrap(scratch, 0).type(IcmpHeader.TYPE_ECHO_REPLY).code(0);
        icmp.updateChecksum(length);
        if (stack.ipv4().sendBuffer(scratch, 0, length, p.destination, p.source, Ipv4Header.PROTOCOL_ICMP, nowNs)) {
            stack.counters().increment(Counter.ICMP_OUT_MSGS);
            stack.counters().increment(Counter.ICMP_OUT_ECHO_REPS);
        }
    }

    /** Sends an echo request (a ping) with {@code dataLength} bytes of pattern. */
    public boolean sendEchoRequest(int destination, int identifier, int sequence, int dataLength, long nowNs) {
        int length = IcmpHeader.LENGTH + dataLength;
        if (dataLength < 0 || length > scratch.capacity() - Ipv4Header.MIN_LENGTH) {
            throw new IllegalArgumentException("echo data length out of range 0.." + (scratch.capacity() - 28) + ": " + dataLength);
        }
        for (int i = 0; i < dataLength; i++) {
            scratch.putByte(IcmpHeader.LENGTH + i, (byte) i);
        }
        icmp.wrap(scratch, 0).type(IcmpHeader.TYPE_ECHO_REQUEST).code(0).rest((identifier << 16) | (sequence & 0xFFFF));
        icmp.updateChecksum(length);
        boolean sent = stack.ipv4().sendBuffer(scratch, 0, length, destination, Ipv4Header.PROTOCOL_ICMP, nowNs);
        if (sent) {
            stack.counters().increment(Counter.ICMP_OUT_MSGS);
        }
        return sent;
    }

    /**
     * Destination unreachable about {@code original} (code: protocol, port, or fragmentation needed with
     * {@code mtu}), unless RFC 1122 3.2.2 forbids an error about it or the rate limit is spent.
     */
    void sendUnreachable(int code, Ipv4Packet original, int mtu, long nowNs) {
        if (original.broadcast || !Ipv4.isUnicast(original.source)) {
            return;
        }
        int fragment = original.buffer.getShort(original.headerOffset + Ipv4Header.FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN)
            & Ipv4Header.FRAGMENT_OFFSET_MASK;
        if (fragment != 0 && !original.reassembled) {
            return;
        }
        if (original.protocol == Ipv4Header.PROTOCOL_ICMP && original.payloadLength > 0) {
            int type = original.buffer.getByte(original.payloadOffset) & 0xFF;
            if (type != IcmpHeader.TYPE_ECHO_REQUEST && type != IcmpHeader.TYPE_ECHO_REPLY) {
                return; // never an error about an error
            }
        }
        if (!takeToken(nowNs)) {
            stack.counters().increment(Counter.ICMP_OUT_RATE_LIMITED);
            return;
        }
        Frame frame = stack.allocateTxFrame();
        if (frame == null) {
            return;
        }
        int quote = Math.min(original.totalLength, MAX_ERROR_LENGTH - Ipv4Header.MIN_LENGTH - IcmpHeader.LENGTH);
        quote = Math.min(quote, frame.tailroom() - IcmpHeader.LENGTH);
        int offset = frame.offset();
        icmp.wrap(frame.buffer(), offset).type(IcmpHeader.TYPE_DESTINATION_UNREACHABLE).code(code)
            .rest(code == IcmpHeader.CODE_FRAGMENTATION_NEEDED ? mtu & 0xFFFF : 0);
        frame.buffer().putBytes(offset + IcmpHeader.LENGTH, original.buffer, original.headerOffset, quote);
        icmp.updateChecksum(IcmpHeader.LENGTH + quote);
        frame.length(IcmpHeader.LENGTH + quote);
        // From the address the packet was sent to when it is one of ours (the public address included).
        int from = stack.config().isLocalAddress(original.destination) ? original.destination : stack.config().address();
        if (stack.ipv4().send(frame, from, original.source, Ipv4Header.PROTOCOL_ICMP, false, nowNs)) {
            stack.counters().increment(Counter.ICMP_OUT_MSGS);
            stack.counters().increment(Counter.ICMP_OUT_DEST_UNREACHS);
        }
    }

    private boolean takeToken(long nowNs) {
        long perSecond = config.icmpErrorsPerSecond();
        long capacity = config.icmpErrorBurst() * 1_000_000_000L;
        if (!bucketStarted) {
            bucketStarted = true;
            tokensNano = capacity;
            lastRefillNs = nowNs;
        }
        long elapsed = nowNs - lastRefillNs;
        if (elapsed > 0) {
            long add = elapsed >= capacity ? capacity : Math.min(capacity, elapsed * perSecond);
            tokensNano = Math.min(capacity, tokensNano + add);
            lastRefillNs = nowNs;
        }
        if (tokensNano >= 1_000_000_000L) {
            tokensNano -= 1_000_000_000L;
            return true;
        }
        return false;
    }
}
