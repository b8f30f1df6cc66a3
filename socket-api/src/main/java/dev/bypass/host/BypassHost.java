package dev.bypass.host;

import dev.bypass.query.BypassTupleTable;
import dev.bypass.query.ConnectQueryService;
import dev.bypass.socket.ResourceSet;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.device.NetworkDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * One bypass host: several resources (NICs), each with its own stack, poll thread and <b>private IP</b>,
 * known to the world by one <b>public IP</b> (seed 1 of ../shared/SEEDS.md).
 *
 * <pre>
 *   resource 0  private 198.18.16.1  (+ public 198.18.0.100: plain clients connect here)
 *   resource 1  private 198.18.16.2
 *   resource 2  private 198.18.16.3        public tuple (198.18.0.100, 80)
 *   resource 3  private 198.18.16.4   =>   bypass tuples (198.18.16.k, 80), one per resource
 * </pre>
 *
 * Private IPs come from a pool (in resource order) or are given per resource. One resource (the first by
 * default) also answers for the public IP, so a client that knows only the public tuple still connects.
 * A listening socket on a public tuple listens on every resource at once: its bypass tuples and the
 * public tuple. {@link #bypassTuples(int)} lists the bypass tuples with a load hint and health for each,
 * which the connect query hands to clients.
 *
 * <p>Threads: the control calls here ({@link #listen}, {@link #bypassTuples}, {@link #setHealthy}) run on
 * any thread and reach each stack through its poll loop; the stacks themselves are touched only by their
 * own poll threads.
 */
public final class BypassHost implements AutoCloseable {
    /** One bypass tuple of a public tuple: a resource's private IP and the port, with what a client needs to choose. */
    public record BypassTuple(int resource, int address, int port, int loadHint, boolean healthy) {
        @Override
        public String toString() {
            return "r" + resource + " " + IpAddress.v4ToString(address) + ":" + port + " load " + loadHint
                + (healthy ? "" : " DOWN");
        }
    }

    /** A resource: its device, stack, poll loop and private IP. */
    public static final class Resource {
        private final int id;
        private final String name;
        private final int privateAddress;
        private final NetworkStack stack;
        private final PollLoop loop;
        private volatile boolean healthy = true;

        Resource(int id, String name, int privateAddress, NetworkStack stack, PollLoop loop) {
            this.id = id;
            this.name = name;
            this.privateAddress = privateAddress;
            this.stack = stack;
            this.loop = loop;
        }

        public int id() {
            return id;
        }

        public String name() {
            return name;
        }

        public int privateAddress() {
            return privateAddress;
        }

        /** The stack: touch it only on its poll thread ({@link #loop()}). */
        public NetworkStack stack() {
            return stack;
        }

        public PollLoop loop() {
            return loop;
        }

        /** Up unless marked down ({@link BypassHost#setHealthy}) or its link is down. */
        public boolean healthy() {
            return healthy && stack.device().linkUp();
        }
    }

    /** A listening socket on a public tuple: one TcpListener on every resource. */
    public final class PublicListener implements AutoCloseable {
        private final int port;
        private final List<TcpListener> listeners;

        PublicListener(int port, List<TcpListener> listeners) {
            this.port = port;
            this.listeners = listeners;
        }

        public int port() {
            return port;
        }

        /** Stops listening on every resource (connections already accepted stay). */
        @Override
        public void close() {
            for (int i = 0; i < resources.size(); i++) {
                TcpListener l = listeners.get(i);
                resources.get(i).loop.call(() -> {
                    l.close();
                    return null;
                });
            }
        }
    }

    private final int publicAddress;
    private final int publicResource;
    private final List<Resource> resources;
    private ResourceSet resourceSet;

    private BypassHost(int publicAddress, int publicResource, List<Resource> resources) {
        this.publicAddress = publicAddress;
        this.publicResource = publicResource;
        this.resources = List.copyOf(resources);
    }

    public static Builder builder(String publicIp) {
        return new Builder(IpAddress.parse(publicIp).v4());
    }

    public int publicAddress() {
        return publicAddress;
    }

    /** The resource that answers for the public IP. */
    public Resource publicResource() {
        return resources.get(publicResource);
    }

    public List<Resource> resources() {
        return resources;
    }

    public Resource resource(int id) {
        return resources.get(id);
    }

    /**
     * Listens on the public tuple (public IP, {@code port}): on every resource's private IP and, on the public
     * resource, on the public IP too. {@code onAccept} runs on the accepting resource's poll thread.
     */
    public PublicListener listen(int port, int backlog, Consumer<TcpConnection> onAccept) {
        Objects.requireNonNull(onAccept, "onAccept");
        List<TcpListener> listeners = new ArrayList<>();
        try {
            for (Resource r : resources) {
                listeners.add(r.loop.call(() -> {
                    TcpListener l = r.stack.tcp().listen(port, backlog);
                    l.handler(listener -> {
                        TcpConnection c;
                        while ((c = listener.accept()) != null) {
                            onAccept.accept(c);
                        }
                    });
                    return l;
                }));
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < listeners.size(); i++) {
                TcpListener l = listeners.get(i);
                resources.get(i).loop.call(() -> {
                    l.close();
                    return null;
                });
            }
            throw e;
        }
        return new PublicListener(port, listeners);
    }

    /**
     * The bypass tuples of public tuple (public IP, {@code port}) now, one per resource in resource order:
     * the load hint is the resource's open TCP connections (a snapshot read on each poll thread), health
     * its state. What the connect query answers with.
     */
    public List<BypassTuple> bypassTuples(int port) {
        List<BypassTuple> tuples = new ArrayList<>(resources.size());
        for (Resource r : resources) {
            int load = r.loop.call(() -> r.stack.tcp().connectionCount());
            tuples.add(new BypassTuple(r.id, r.privateAddress, port, Math.min(load, 0xFFFF), r.healthy()));
        }
        return tuples;
    }

    /** Marks a resource up or down for new connections (the connect query stops offering it); its connections stay. */
    public void setHealthy(int resource, boolean healthy) {
        resources.get(resource).healthy = healthy;
    }

    /**
     * The translation table for the TCP public tuples (public IP, {@code ports}): each with its bypass tuples,
     * load hints and health now ({@link #bypassTuples}), as version {@code version}.
     */
    public BypassTupleTable tupleTable(long version, int... ports) {
        int n = resources.size();
        int[] addresses = new int[n];
        int[] loads = new int[n];
        boolean[] healthy = new boolean[n];
        for (Resource r : resources) {
            addresses[r.id] = r.privateAddress;
            loads[r.id] = r.loop.call(() -> r.stack.tcp().connectionCount());
            healthy[r.id] = r.healthy();
        }
        List<Integer> tcpPorts = new ArrayList<>();
        for (int port : ports) {
            tcpPorts.add(port);
        }
        return BypassTupleTable.ofResources(version, publicAddress, tcpPorts, addresses, loads, healthy);
    }

    /**
     * Starts the connect query service on the public resource (on its poll thread), answering from
     * {@code tables}: the control path publishes a new table there (e.g. {@link #tupleTable} every TTL) and
     * the service reads it without locks.
     */
    public ConnectQueryService startConnectQuery(ConnectQueryService.Config config, AtomicReference<BypassTupleTable> tables) {
        Resource r = publicResource();
        return r.loop.call(() -> ConnectQueryService.start(r.stack, config, tables::get));
    }

    /**
     * The host's resources for the ring socket API ({@code BypassSockets.open(host.resourceSet())}): a server
     * socket then listens on every resource (the bypass tuples and, on the public resource, the public tuple),
     * and a connecting socket opens on the resource its chooser picks. Made once; every call returns it.
     */
    public synchronized ResourceSet resourceSet() {
        if (resourceSet == null) {
            List<ResourceSet.Resource> list = new ArrayList<>();
            for (Resource r : resources) {
                list.add(ResourceSet.resource(r.id, r.stack, r.loop, ResourceSet.DEFAULT_COMMAND_RING_BYTES));
            }
            List<ResourceSet.Resource> fixed = List.copyOf(list);
            resourceSet = new ResourceSet() {
                @Override
                public int size() {
                    return fixed.size();
                }

                @Override
                public ResourceSet.Resource resource(int index) {
                    return fixed.get(index);
                }
            };
        }
        return resourceSet;
    }

    /** Stops every poll thread and closes the stacks and their devices. */
    @Override
    public void close() {
        for (Resource r : resources) {
            r.loop.close();
        }
    }

    /** Resources, their private IPs and the public IP's resource; {@link #start()} opens the stacks and poll threads. */
    public static final class Builder {
        private final int publicAddress;
        private final List<String> names = new ArrayList<>();
        private final List<NetworkDevice> devices = new ArrayList<>();
        private final List<String> explicitAddresses = new ArrayList<>();
        private int poolBase;
        private int poolPrefix;
        private int publicResource;
        private UnaryOperator<StackConfig.Builder> stackConfig = UnaryOperator.identity();
        private Supplier<IdleStrategy> idle = () -> new BackoffIdleStrategy(1, 10, 1_000, 100_000);

        private Builder(int publicAddress) {
            this.publicAddress = publicAddress;
        }

        /** Private IPs from this pool (a.b.c.d/n), in resource order, skipping the network and broadcast addresses. */
        public Builder privatePool(String cidr) {
            int slash = cidr.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("private pool '" + cidr + "' must be a.b.c.d/n");
            }
            poolPrefix = Integer.parseInt(cidr.substring(slash + 1));
            if (poolPrefix < 1 || poolPrefix > 30) {
                throw new IllegalArgumentException("private pool '" + cidr + "': prefix length must be 1..30");
            }
            int mask = (int) (0xFFFF_FFFFL << (32 - poolPrefix));
            poolBase = IpAddress.parse(cidr.substring(0, slash)).v4() & mask;
            return this;
        }

        /** A resource whose private IP comes from the pool. */
        public Builder resource(String name, NetworkDevice device) {
            return resource(name, device, null);
        }

        /** A resource with an explicit private IP (a.b.c.d/n), or from the pool if null. */
        public Builder resource(String name, NetworkDevice device, String privateCidr) {
            if (names.contains(name)) {
                throw new IllegalArgumentException("resource '" + name + "' is already in this host");
            }
            names.add(name);
            devices.add(device);
            explicitAddresses.add(privateCidr);
            return this;
        }

        /** Which resource answers for the public IP (default the first). */
        public Builder publicResource(String name) {
            int i = names.indexOf(name);
            if (i < 0) {
                throw new IllegalArgumentException("no resource '" + name + "' (resources: " + names + ")");
            }
            publicResource = i;
            return this;
        }

        /** Adjusts every resource's stack configuration (limits, TCP profile, gateway, ...). */
        public Builder stackConfig(UnaryOperator<StackConfig.Builder> adjust) {
            this.stackConfig = adjust;
            return this;
        }

        /** A new idle strategy per poll thread (default backoff). */
        public Builder idleStrategy(Supplier<IdleStrategy> idleStrategy) {
            this.idle = idleStrategy;
            return this;
        }

        /** Opens one stack and poll thread per resource. */
        public BypassHost start() {
            if (names.isEmpty()) {
                throw new IllegalStateException("a bypass host needs at least one resource");
            }
            List<Resource> resources = new ArrayList<>();
            int next = 0;
            try {
                for (int i = 0; i < names.size(); i++) {
                    String cidr = explicitAddresses.get(i);
                    if (cidr == null) {
                        if (poolPrefix == 0) {
                            throw new IllegalStateException("resource '" + names.get(i) + "' has no private IP and the "
                                + "host no private pool (privatePool(\"a.b.c.d/n\"))");
                        }
                        int address;
                        do {
                            next++;
                            address = poolBase + next;
                        } while (address == publicAddress);
                        if (next >= (1 << (32 - poolPrefix)) - 1) {
                            throw new IllegalStateException("private pool " + IpAddress.v4ToString(poolBase) + "/"
                                + poolPrefix + " has no address left for resource '" + names.get(i) + "'");
                        }
                        cidr = IpAddress.v4ToString(address) + "/" + poolPrefix;
                    }
                    StackConfig.Builder b = stackConfig.apply(StackConfig.builder().name(names.get(i)).address(cidr));
                    if (i == publicResource) {
                        b.publicAddress(IpAddress.v4ToString(publicAddress));
                    }
                    StackConfig config = b.build();
                    NetworkStack stack = new NetworkStack(config, devices.get(i));
                    PollLoop loop = PollLoop.start(stack, idle.get(), "bypass-" + names.get(i));
                    resources.add(new Resource(i, names.get(i), config.address(), stack, loop));
                }
            } catch (RuntimeException e) {
                for (Resource r : resources) {
                    r.loop.close();
                }
                throw e;
            }
            return new BypassHost(publicAddress, publicResource, resources);
        }
    }
}
