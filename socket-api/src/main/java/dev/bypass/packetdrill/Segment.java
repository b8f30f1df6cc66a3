package dev.bypass.packetdrill;

import java.util.List;

/**
 * A TCP segment as the runner compares it: header fields, options in wire order, payload length. Holds
 * either live values (as on the wire) or script values (sequence numbers relative to each side's ISN),
 * see {@link SequenceMap}.
 *
 * @param srcPort       source port
 * @param dstPort       destination port
 * @param flags         flag bits, {@link PacketFlags#AE} included
 * @param seq           sequence number, unsigned 32-bit
 * @param ack           acknowledgment number, unsigned 32-bit
 * @param window        window field as sent (not scaled)
 * @param urgent        urgent pointer
 * @param options       options in wire order
 * @param payloadLength payload bytes
 * @param payloadZero   true if every payload byte is zero (script payloads are zeros, as packetdrill's)
 */
record Segment(int srcPort, int dstPort, int flags, long seq, long ack, int window, int urgent,
               List<TcpOption> options, int payloadLength, boolean payloadZero) {

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    Segment withSeqAck(long newSeq, long newAck) {
        return new Segment(srcPort, dstPort, flags, newSeq & 0xFFFF_FFFFL, newAck & 0xFFFF_FFFFL, window, urgent,
            options, payloadLength, payloadZero);
    }

    Segment withOptions(List<TcpOption> newOptions) {
        return new Segment(srcPort, dstPort, flags, seq, ack, window, urgent, newOptions, payloadLength, payloadZero);
    }

    /** The timestamp option, or null. */
    TcpOption.Timestamp timestamp() {
        for (TcpOption o : options) {
            if (o instanceof TcpOption.Timestamp ts) {
                return ts;
            }
        }
        return null;
    }
}
