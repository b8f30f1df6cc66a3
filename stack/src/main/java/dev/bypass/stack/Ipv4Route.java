package dev.bypass.stack;

import dev.bypass.stack.addr.IpAddress;

/**
 * One entry of the IPv4 routing table: packets to {@code prefix/length} go to {@code gateway}, or
 * straight to their destination when the route is on-link ({@code gateway == 0}).
 */
public record Ipv4Route(int prefix, int length, int gateway) {
    public Ipv4Route {
        if (length < 0 || length > 32) {
            throw new IllegalArgumentException("route prefix length must be 0..32, got " + length);
        }
        prefix &= mask(length);
    }

    /** Parses "a.b.c.d/n" with an optional gateway ("" or null for on-link). */
    public static Ipv4Route parse(String cidr, String gateway) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("route destination needs a prefix length (a.b.c.d/n): '" + cidr + "'");
        }
        int len;
        try {
            len = Integer.parseInt(cidr.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("route prefix length is not a number: '" + cidr + "'", e);
        }
        int gw = gateway == null || gateway.isBlank() ? 0 : IpAddress.parse(gateway).v4();
        return new Ipv4Route(IpAddress.parse(cidr.substring(0, slash)).v4(), len, gw);
    }

    public static int mask(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    public boolean matches(int address) {
        return (address & mask(length)) == prefix;
    }

    public boolean onLink() {
        return gateway == 0;
    }

    @Override
    public String toString() {
        return IpAddress.v4ToString(prefix) + "/" + length + (onLink() ? " on-link" : " via " + IpAddress.v4ToString(gateway));
    }
}
