package dev.bypass.stack.addr;

/** An (IP address, port) pair: a transport endpoint. */
public record Endpoint(IpAddress address, int port) {
    public Endpoint {
        if (address == null) {
            throw new IllegalArgumentException("endpoint address is null");
        }
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port out of range 0..65535: " + port);
        }
    }

    public static Endpoint of(String address, int port) {
        return new Endpoint(IpAddress.parse(address), port);
    }

    /** Parses {@code a.b.c.d:port} or {@code [v6]:port}. */
    public static Endpoint parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not an endpoint (want address:port): '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an endpoint (bad port): '" + text + "'", e);
        }
        return new Endpoint(IpAddress.parse(host), port);
    }

    @Override
    public String toString() {
        return address.isV4() ? address + ":" + port : "[" + address + "]:" + port;
    }
}
