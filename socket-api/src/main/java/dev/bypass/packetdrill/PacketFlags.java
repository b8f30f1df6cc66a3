package dev.bypass.packetdrill;

import dev.bypass.stack.wire.TcpHeader;

/** TCP flag bits in packetdrill's notation, printed in tcpdump's order: {@code F S R P . U E W A}. */
final class PacketFlags {
    /** The AccECN "AE" bit (RFC 9768), the low bit of byte 12; kept above the 8 flag bits here. */
    static final int AE = 0x100;

    private PacketFlags() {
    }

    static String toString(int flags) {
        StringBuilder sb = new StringBuilder();
        append(sb, flags, TcpHeader.FIN, 'F');
        append(sb, flags, TcpHeader.SYN, 'S');
        append(sb, flags, TcpHeader.RST, 'R');
        append(sb, flags, TcpHeader.PSH, 'P');
        append(sb, flags, TcpHeader.ACK, '.');
        append(sb, flags, TcpHeader.URG, 'U');
        append(sb, flags, TcpHeader.ECE, 'E');
        append(sb, flags, TcpHeader.CWR, 'W');
        append(sb, flags, AE, 'A');
        return sb.toString();
    }

    private static void append(StringBuilder sb, int flags, int bit, char c) {
        if ((flags & bit) != 0) {
            sb.append(c);
        }
    }
}
