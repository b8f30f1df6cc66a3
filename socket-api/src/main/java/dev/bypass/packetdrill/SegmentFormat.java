package dev.bypass.packetdrill;

import dev.bypass.stack.wire.TcpHeader;
import java.util.List;

/**
 * Segments in packetdrill's text format ({@code packet_to_string}), so failure messages read as
 * packetdrill's: {@code S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 8>}. A script packet prints its
 * window only if the script gave one; options print unless there are none (or {@code <...>}).
 */
final class SegmentFormat {
    private SegmentFormat() {
    }

    /** A {@code >} or {@code <} line as the script wrote it. */
    static String script(PacketSpec p) {
        return format(p.flags(), p.seq(), p.payloadLength(), p.ack(), p.window(), p.options());
    }

    /** A segment seen on the wire (its values mapped to script space by the caller). */
    static String actual(Segment s) {
        return format(s.flags(), s.seq(), s.payloadLength(), s.ack(), s.window(), s.options());
    }

    /** {@code "script packet:  0.100000 S. 0:0(0) ..."}, as packetdrill's failure dumps. */
    static String dumpLine(String label, long usecs, String packet) {
        return label + " packet: " + Units.paddedSeconds(usecs) + " " + packet;
    }

    static String options(List<TcpOption> options) {
        StringBuilder sb = new StringBuilder();
        for (TcpOption o : options) {
            sb.append(sb.isEmpty() ? "" : ",").append(o);
        }
        return sb.toString();
    }

    private static String format(int flags, long seq, int length, long ack, int window, List<TcpOption> options) {
        StringBuilder sb = new StringBuilder(PacketFlags.toString(flags));
        sb.append(' ').append(seq).append(':').append((seq + length) & 0xFFFF_FFFFL).append('(').append(length)
            .append(')');
        if ((flags & TcpHeader.ACK) != 0) {
            sb.append(" ack ").append(ack);
        }
        if (window >= 0) {
            sb.append(" win ").append(window);
        }
        if (options != null && !options.isEmpty()) {
            sb.append(" <").append(options(options)).append('>');
        }
        return sb.toString();
    }
}
