package dev.bypass.query;

import dev.bypass.stack.query.ConnectQueryMessage;

/** The transport of a public tuple: a connect query names it, since TCP port 80 and UDP port 80 differ. */
public enum Transport {
    TCP(ConnectQueryMessage.PROTOCOL_TCP),
    UDP(ConnectQueryMessage.PROTOCOL_UDP);

    private final int ipProtocol;

    Transport(int ipProtocol) {
        this.ipProtocol = ipProtocol;
    }

    /** The IP protocol number, as the query carries it (6, 17). */
    public int ipProtocol() {
        return ipProtocol;
    }

    /** The transport of an IP protocol number, or null. */
    public static Transport ofIpProtocol(int protocol) {
        return switch (protocol) {
            case ConnectQueryMessage.PROTOCOL_TCP -> TCP;
            case ConnectQueryMessage.PROTOCOL_UDP -> UDP;
            default -> null;
        };
    }
}
