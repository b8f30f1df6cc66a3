package dev.bypass.query;

import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Which bypass tuples stand for each public tuple: immutable and versioned. The host builds a new table
 * whenever a listening socket opens or closes, a resource comes or goes, or load hints are refreshed,
 * and publishes it (an {@code AtomicReference}); the connect query service reads whatever table is current
 * for each query, without locks, through a {@code Supplier<BypassTupleTable>}.
 *
 * <p>Each entry of a public tuple is a bypass tuple (private IP of resource k, port) with the resource's
 * id, a load hint (0 idle .. 65535 full) and whether it is healthy. Replies list the healthy ones only,
 * in the order given; {@link #valid} is their allocation-free view for the poll thread.
 *
 * <p>IPv4 only, as the stack is. Versions should grow with every table a host publishes (clients see the
 * version in replies and restart a paged read when it changes).
 */
public final class BypassTupleTable {
    /** The table with nothing in it: every query is answered with no bypass tuples (use the public tuple). */
    public static final BypassTupleTable EMPTY = builder(0).build();

    /** One bypass tuple of a public tuple. */
    public record Entry(Endpoint bypassTuple, int resourceId, int loadHint, boolean healthy) {
        public Entry {
            if (bypassTuple == null || !bypassTuple.address().isV4()) {
                throw new IllegalArgumentException("a bypass tuple is an IPv4 address and port, got " + bypassTuple);
            }
            if (bypassTuple.port() == 0) {
                throw new IllegalArgumentException("bypass tuple " + bypassTuple + " has port 0");
            }
            if (resourceId < 0 || resourceId > 0xFFFF) {
                throw new IllegalArgumentException("resource id must be 0..65535, got " + resourceId);
            }
            if (loadHint < 0 || loadHint > 0xFFFF) {
                throw new IllegalArgumentException("load hint must be 0 (idle) .. 65535 (full), got " + loadHint);
            }
        }

        public static Entry of(String bypassTuple, int resourceId, int loadHint, boolean healthy) {
            return new Entry(Endpoint.parse(bypassTuple), resourceId, loadHint, healthy);
        }
    }

    /** A public tuple and its transport: the key of the table. */
    public record PublicTuple(Endpoint endpoint, Transport transport) {
        public PublicTuple {
            if (endpoint == null || !endpoint.address().isV4() || endpoint.port() == 0) {
                throw new IllegalArgumentException("a public tuple is an IPv4 address and a port other than 0, got "
                    + endpoint);
            }
            if (transport == null) {
                throw new IllegalArgumentException("public tuple " + endpoint + " needs a transport");
            }
        }

        public static PublicTuple tcp(String endpoint) {
            return new PublicTuple(Endpoint.parse(endpoint), Transport.TCP);
        }

        public static PublicTuple udp(String endpoint) {
            return new PublicTuple(Endpoint.parse(endpoint), Transport.UDP);
        }

        long key() {
            return BypassTupleTable.key(endpoint.address().v4(), endpoint.port(), transport.ipProtocol());
        }

        @Override
        public String toString() {
            return transport.name().toLowerCase(java.util.Locale.ROOT) + "://" + endpoint;
        }
    }

    /** The healthy entries of one public tuple, in primitive arrays: what the service pages through. */
    public static final class ValidTuples implements TupleCandidates {
        private final int[] address;
        private final int[] port;
        private final int[] resourceId;
        private final int[] loadHint;

        private ValidTuples(List<Entry> entries) {
            List<Entry> healthy = entries.stream().filter(Entry::healthy).toList();
            int n = healthy.size();
            address = new int[n];
            port = new int[n];
            resourceId = new int[n];
            loadHint = new int[n];
            for (int i = 0; i < n; i++) {
                Entry e = healthy.get(i);
                address[i] = e.bypassTuple().address().v4();
                port[i] = e.bypassTuple().port();
                resourceId[i] = e.resourceId();
                loadHint[i] = e.loadHint();
            }
        }

        @Override
        public int count() {
            return address.length;
        }

        @Override
        public int address(int i) {
            return address[i];
        }

        @Override
        public int port(int i) {
            return port[i];
        }

        @Override
        public int resourceId(int i) {
            return resourceId[i];
        }

        @Override
        public int loadHint(int i) {
            return loadHint[i];
        }
    }

    private final long version;
    private final Map<PublicTuple, List<Entry>> entries;
    private final Long2ObjectHashMap<ValidTuples> valid;

    private BypassTupleTable(long version, Map<PublicTuple, List<Entry>> entries) {
        this.version = version;
        this.entries = Collections.unmodifiableMap(entries);
        this.valid = new Long2ObjectHashMap<>(Math.max(8, entries.size() * 2), 0.65f);
        entries.forEach((t, list) -> valid.put(t.key(), new ValidTuples(list)));
    }

    public static Builder builder(long version) {
        return new Builder(version);
    }

    /**
     * The table of a host whose resource {@code k} has address {@code addresses[k]}: for each TCP port, the
     * public tuple (public address, port) maps to one bypass tuple per resource (its address, the port), with
     * resource id {@code k}, load hint {@code loads[k]} (capped at 65,535) and health {@code healthy[k]}.
     */
    public static BypassTupleTable ofResources(long version, int publicAddress, List<Integer> tcpPorts, int[] addresses,
                                               int[] loads, boolean[] healthy) {
        Builder b = builder(version);
        for (int port : tcpPorts) {
            PublicTuple publicTuple = new PublicTuple(new Endpoint(IpAddress.ofV4(publicAddress), port), Transport.TCP);
            List<Entry> list = new ArrayList<>(addresses.length);
            for (int k = 0; k < addresses.length; k++) {
                list.add(new Entry(new Endpoint(IpAddress.ofV4(addresses[k]), port), k, Math.min(loads[k], 0xFFFF),
                    healthy[k]));
            }
            b.put(publicTuple, list);
        }
        return b.build();
    }

    public long version() {
        return version;
    }

    /** Every public tuple of the table, in the order added. */
    public java.util.Set<PublicTuple> publicTuples() {
        return entries.keySet();
    }

    /** All entries of a public tuple, healthy or not, in the order added; empty if the table does not name it. */
    public List<Entry> entries(PublicTuple publicTuple) {
        return entries.getOrDefault(publicTuple, List.of());
    }

    /**
     * The healthy bypass tuples of (address, port, IP protocol), or null if the table does not name that
     * public tuple. Allocation-free: for the poll thread.
     */
    public ValidTuples valid(int publicAddress, int publicPort, int ipProtocol) {
        return valid.get(key(publicAddress, publicPort, ipProtocol));
    }

    /** A builder holding this table's entries, for the next version. */
    public Builder toBuilder(long newVersion) {
        Builder b = new Builder(newVersion);
        entries.forEach((t, list) -> b.put(t, list));
        return b;
    }

    static long key(int address, int port, int protocol) {
        return ((address & 0xFFFF_FFFFL) << 32) | ((long) (port & 0xFFFF) << 8) | (protocol & 0xFF);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("BypassTupleTable v").append(version);
        entries.forEach((t, list) -> {
            sb.append("\n  ").append(t).append(" ->");
            for (Entry e : list) {
                sb.append(' ').append(e.bypassTuple()).append("(r").append(e.resourceId()).append(", load ")
                    .append(e.loadHint()).append(e.healthy() ? "" : ", unhealthy").append(')');
            }
        });
        return sb.toString();
    }

    /** Builds a table; not thread-safe, used once. */
    public static final class Builder {
        /** The most bypass tuples one public tuple may have: the reply's total entries field is 16 bits. */
        public static final int MAX_ENTRIES = 0xFFFF;

        private final long version;
        private final Map<PublicTuple, List<Entry>> entries = new LinkedHashMap<>();

        private Builder(long version) {
            this.version = version;
        }

        /** Adds one entry to a public tuple. */
        public Builder add(PublicTuple publicTuple, Entry entry) {
            List<Entry> list = entries.computeIfAbsent(publicTuple, k -> new ArrayList<>());
            if (list.size() == MAX_ENTRIES) {
                throw new IllegalArgumentException("public tuple " + publicTuple + " has " + MAX_ENTRIES
                    + " bypass tuples already, the most a reply can count");
            }
            list.add(entry);
            return this;
        }

        /** Sets the entries of a public tuple (replacing any); an empty list keeps the tuple with none valid. */
        public Builder put(PublicTuple publicTuple, List<Entry> list) {
            if (list.size() > MAX_ENTRIES) {
                throw new IllegalArgumentException("public tuple " + publicTuple + ": " + list.size()
                    + " bypass tuples, more than the " + MAX_ENTRIES + " a reply can count");
            }
            entries.put(publicTuple, new ArrayList<>(list));
            return this;
        }

        /** Drops a public tuple (its listening socket closed). */
        public Builder remove(PublicTuple publicTuple) {
            entries.remove(publicTuple);
            return this;
        }

        public BypassTupleTable build() {
            Map<PublicTuple, List<Entry>> copy = new LinkedHashMap<>();
            entries.forEach((t, list) -> copy.put(t, List.copyOf(list)));
            return new BypassTupleTable(version, copy);
        }
    }
}
