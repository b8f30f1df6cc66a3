package dev.bypass.packetdrill;

import dev.bypass.stack.wire.TcpHeader;
import java.util.List;

/**
 * A {@code <} (inbound: injected) or {@code >} (outbound: expected) TCP segment line, in script space:
 * sequence numbers relative to each side's initial sequence number, as packetdrill writes them.
 *
 * @param inbound     true for {@code <}
 * @param flags       {@link TcpHeader} flag bits ({@code S . F P R U E W})
 * @param seq         first sequence number (unsigned 32-bit)
 * @param payloadLength the {@code (len)} part; the end is {@code seq + payloadLength}
 * @param ack         the {@code ack} value, 0 if absent
 * @param window      the {@code win} value, or -1 if absent (an outbound window is then not checked)
 * @param urgent      the {@code urg} value, 0 if absent
 * @param options     options in order, or null for {@code <...>} (outbound options not checked)
 */
record PacketSpec(boolean inbound, int flags, long seq, int payloadLength, long ack, int window, int urgent,
                  List<TcpOption> options) {

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    boolean syn() {
        return has(TcpHeader.SYN);
    }

    /** Bytes of the options as written; packetdrill requires a multiple of 4. */
    int optionsLength() {
        if (options == null) {
            return 0;
        }
        int n = 0;
        for (TcpOption o : options) {
            n += o.length();
        }
        return n;
    }
}
