package dev.bypass.socket;

import dev.bypass.stack.Ipv4Route;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.addr.IpAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which resource of a set reaches an address: the routes of every resource's stack (its on-link subnet, its
 * gateways), merged longest prefix first and, for equal prefixes, lowest resource first. Built once from the
 * stacks' immutable configurations; read by any thread, without allocation.
 */
final class ResourceRoutes {
    private final int[] prefix;
    private final int[] mask;
    private final int[] resource;
    private final String text;

    ResourceRoutes(ResourceSet set) {
        record Entry(Ipv4Route route, int resource) {
        }
        List<Entry> entries = new ArrayList<>();
        for (int r = 0; r < set.size(); r++) {
            for (Ipv4Route route : set.resource(r).stack().config().routes()) {
                entries.add(new Entry(route, r));
            }
        }
        entries.sort(Comparator.comparingInt((Entry e) -> -e.route().length()).thenComparingInt(Entry::resource));
        prefix = new int[entries.size()];
        mask = new int[entries.size()];
        resource = new int[entries.size()];
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            prefix[i] = e.route().prefix();
            mask[i] = Ipv4Route.mask(e.route().length());
            resource[i] = e.resource();
            sb.append(i == 0 ? "" : ", ").append("resource ").append(e.resource()).append(' ').append(e.route());
        }
        text = sb.toString();
    }

    /** The resource whose most specific route matches {@code address}, or -1 if none does. */
    int resourceFor(int address) {
        for (int i = 0; i < prefix.length; i++) {
            if ((address & mask[i]) == prefix[i]) {
                return resource[i];
            }
        }
        return -1;
    }

    /** True if resource {@code r} has a route to {@code address}, or it is a multicast or the limited broadcast address. */
    boolean reaches(int r, int address) {
        if (isMulticast(address) || address == -1) {
            return true;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (resource[i] == r && (address & mask[i]) == prefix[i]) {
                return true;
            }
        }
        return false;
    }

    static boolean isMulticast(int address) {
        return (address >>> 28) == 0xE;
    }

    /** The resource of {@code set} that has {@code address} as its own or as the public address it answers for, or -1. */
    static int ownerOf(ResourceSet set, int address) {
        for (int r = 0; r < set.size(); r++) {
            StackConfig c = set.resource(r).stack().config();
            if (c.isLocalAddress(address)) {
                return r;
            }
        }
        return -1;
    }

    /** The addresses of a set, for messages: "198.18.16.1 (resource 0), 198.18.0.100 (public, resource 0), ...". */
    static String addressesOf(ResourceSet set) {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < set.size(); r++) {
            StackConfig c = set.resource(r).stack().config();
            sb.append(r == 0 ? "" : ", ").append(IpAddress.v4ToString(c.address())).append(" (resource ").append(r).append(')');
            if (c.publicAddress() != 0) {
                sb.append(", ").append(IpAddress.v4ToString(c.publicAddress())).append(" (public, resource ").append(r)
                    .append(')');
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
