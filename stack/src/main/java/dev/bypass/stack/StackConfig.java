package dev.bypass.stack;

import dev.bypass.stack.addr.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Everything a {@link NetworkStack} over one device needs to know: its address, its routes and the
 * limits and timers of each protocol. Immutable; build with {@link #builder()}.
 *
 * <p>Every resource is bounded here: ARP entries and packets waiting for ARP, reassembly slots, UDP
 * sockets and their queues, TCP connections (in {@link TcpConfig}).
 */
public record StackConfig(
    String name,
    int address,
    int prefixLength,
    List<Ipv4Route> routes,
    int mtu,
    int defaultTtl,
    int arpCacheEntries,
    long arpReachableNs,
    long arpRetransmitNs,
    int arpRetries,
    int arpPendingPerEntry,
    boolean gratuitousArp,
    int reassemblySlots,
    long reassemblyTimeoutNs,
    int reassemblyMaxFragments,
    long pmtuExpiryNs,
    int pmtuCacheEntries,
    int icmpErrorsPerSecond,
    int icmpErrorBurst,
    int udpMaxSockets,
    int udpReceiveQueueBytes,
    TcpConfig tcp,
    long secretSeed,
    int rxBurst,
    int txBurst,
    int publicAddress) {

    public StackConfig {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("stack name must not be empty");
        }
        if (address == 0) {
            throw new IllegalArgumentException("stack '" + name + "' needs an IPv4 address (address a.b.c.d/n)");
        }
        if (prefixLength < 1 || prefixLength > 32) {
            throw new IllegalArgumentException("stack '" + name + "': prefix length must be 1..32, got " + prefixLength);
        }
        if (mtu != 0 && (mtu < 576 || mtu > 65535)) {
            throw new IllegalArgumentException("stack '" + name + "': mtu must be 576..65535 (or 0 for the device's), got " + mtu);
        }
        if (defaultTtl < 1 || defaultTtl > 255) {
            throw new IllegalArgumentException("stack '" + name + "': ttl must be 1..255, got " + defaultTtl);
        }
        positive(name, "arpCacheEntries", arpCacheEntries);
        positive(name, "arpRetries", arpRetries);
        positive(name, "arpPendingPerEntry", arpPendingPerEntry);
        positive(name, "reassemblySlots", reassemblySlots);
        positive(name, "reassemblyMaxFragments", reassemblyMaxFragments);
        positive(name, "pmtuCacheEntries", pmtuCacheEntries);
        positive(name, "icmpErrorBurst", icmpErrorBurst);
        positive(name, "udpMaxSockets", udpMaxSockets);
        positive(name, "udpReceiveQueueBytes", udpReceiveQueueBytes);
        positive(name, "rxBurst", rxBurst);
        positive(name, "txBurst", txBurst);
        if (arpReachableNs <= 0 || arpRetransmitNs <= 0 || reassemblyTimeoutNs <= 0 || pmtuExpiryNs <= 0) {
            throw new IllegalArgumentException("stack '" + name + "': ARP, reassembly and PMTU times must be positive");
        }
        if (icmpErrorsPerSecond < 0) {
            throw new IllegalArgumentException("stack '" + name + "': icmpErrorsPerSecond must be >= 0, got " + icmpErrorsPerSecond);
        }
        if (publicAddress != 0 && (publicAddress == address || !Ipv4.isUnicast(publicAddress))) {
            throw new IllegalArgumentException("stack '" + name + "': the public address " + IpAddress.v4ToString(publicAddress)
                + " must be a unicast address other than the stack's own " + IpAddress.v4ToString(address));
        }
        routes = List.copyOf(routes);
        if (tcp == null) {
            throw new IllegalArgumentException("stack '" + name + "': tcp config is null");
        }
    }

    private static void positive(String stack, String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException("stack '" + stack + "': " + key + " must be positive, got " + value);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This configuration under another name, with gratuitous ARP on or off (the stacks of one device's queues). */
    public StackConfig withName(String newName, boolean announce) {
        return new StackConfig(newName, address, prefixLength, routes, mtu, defaultTtl, arpCacheEntries, arpReachableNs,
            arpRetransmitNs, arpRetries, arpPendingPerEntry, announce, reassemblySlots, reassemblyTimeoutNs,
            reassemblyMaxFragments, pmtuExpiryNs, pmtuCacheEntries, icmpErrorsPerSecond, icmpErrorBurst, udpMaxSockets,
            udpReceiveQueueBytes, tcp, secretSeed, rxBurst, txBurst, publicAddress);
    }

    public IpAddress ipAddress() {
        return IpAddress.ofV4(address);
    }

    /** This configuration with the host's public IP as a second local address (0: none). */
    public StackConfig withPublicAddress(int publicIp) {
        return new StackConfig(name, address, prefixLength, routes, mtu, defaultTtl, arpCacheEntries, arpReachableNs,
            arpRetransmitNs, arpRetries, arpPendingPerEntry, gratuitousArp, reassemblySlots, reassemblyTimeoutNs,
            reassemblyMaxFragments, pmtuExpiryNs, pmtuCacheEntries, icmpErrorsPerSecond, icmpErrorBurst, udpMaxSockets,
            udpReceiveQueueBytes, tcp, secretSeed, rxBurst, txBurst, publicIp);
    }

    /** True if {@code a} is one of this stack's addresses: its own (private) address or the public one it answers for. */
    public boolean isLocalAddress(int a) {
        return a == address || (publicAddress != 0 && a == publicAddress);
    }

    /** Builder; {@code address} is required, everything else has a default. */
    public static final class Builder {
        private String name = "stack";
        private int address;
        private int prefixLength = 24;
        private final List<Ipv4Route> routes = new ArrayList<>();
        private int mtu;
        private int defaultTtl = 64;
        private int arpCacheEntries = 512;
        private long arpReachableNs = TimeUnit.SECONDS.toNanos(30);
        private long arpRetransmitNs = TimeUnit.SECONDS.toNanos(1);
        private int arpRetries = 3;
        private int arpPendingPerEntry = 8;
        private boolean gratuitousArp = true;
        private int reassemblySlots = 16;
        private long reassemblyTimeoutNs = TimeUnit.SECONDS.toNanos(30);
        private int reassemblyMaxFragments = 64;
        private long pmtuExpiryNs = TimeUnit.MINUTES.toNanos(10);
        private int pmtuCacheEntries = 256;
        private int icmpErrorsPerSecond = 1000;
        private int icmpErrorBurst = 50;
        private int udpMaxSockets = 1024;
        private int publicAddress;
        /** An eighth of it is the longest datagram a socket takes: 512 KiB takes 65,507 bytes, IPv4's largest. */
        private int udpReceiveQueueBytes = 512 * 1024;
        private TcpConfig tcp = TcpConfig.DEFAULT;
        private long secretSeed = 0;
        private int rxBurst = 32;
        private int txBurst = 32;

        public Builder name(String v) {
            name = v;
            return this;
        }

        /** Our address with its prefix, "a.b.c.d/n"; adds the on-link route of the prefix. */
        public Builder address(String cidr) {
            int slash = cidr.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("address needs a prefix length (a.b.c.d/n): '" + cidr + "'");
            }
            address = IpAddress.parse(cidr.substring(0, slash)).v4();
            prefixLength = Integer.parseInt(cidr.substring(slash + 1).trim());
            return this;
        }

        public Builder address(int address, int prefixLength) {
            this.address = address;
            this.prefixLength = prefixLength;
            return this;
        }

        /** A default route via {@code gateway}. */
        public Builder gateway(String gateway) {
            routes.add(new Ipv4Route(0, 0, IpAddress.parse(gateway).v4()));
            return this;
        }

        /** A route to "a.b.c.d/n" via {@code gateway} (null for on-link). */
        public Builder route(String cidr, String gateway) {
            routes.add(Ipv4Route.parse(cidr, gateway));
            return this;
        }

        /** Largest IP packet; 0 (default) takes the device's MTU. */
        public Builder mtu(int v) {
            mtu = v;
            return this;
        }

        public Builder defaultTtl(int v) {
            defaultTtl = v;
            return this;
        }

        public Builder arpCacheEntries(int v) {
            arpCacheEntries = v;
            return this;
        }

        public Builder arpReachableNs(long v) {
            arpReachableNs = v;
            return this;
        }

        public Builder arpRetransmitNs(long v) {
            arpRetransmitNs = v;
            return this;
        }

        public Builder arpRetries(int v) {
            arpRetries = v;
            return this;
        }

        public Builder arpPendingPerEntry(int v) {
            arpPendingPerEntry = v;
            return this;
        }

        public Builder gratuitousArp(boolean v) {
            gratuitousArp = v;
            return this;
        }

        public Builder reassemblySlots(int v) {
            reassemblySlots = v;
            return this;
        }

        public Builder reassemblyTimeoutNs(long v) {
            reassemblyTimeoutNs = v;
            return this;
        }

        public Builder reassemblyMaxFragments(int v) {
            reassemblyMaxFragments = v;
            return this;
        }

        public Builder pmtuExpiryNs(long v) {
            pmtuExpiryNs = v;
            return this;
        }

        public Builder icmpErrorsPerSecond(int v) {
            icmpErrorsPerSecond = v;
            return this;
        }

        public Builder icmpErrorBurst(int v) {
            icmpErrorBurst = v;
            return this;
        }

        public Builder udpMaxSockets(int v) {
            udpMaxSockets = v;
            return this;
        }

        /**
         * Each UDP socket's receive queue, rounded up to a power of two. A datagram longer than an eighth of
         * it (less 16 bytes) can never be queued and is dropped ({@code udp.drop.too_long}); the default,
         * 512 KiB, takes the largest IPv4 datagram (65,507 bytes).
         */
        public Builder udpReceiveQueueBytes(int v) {
            udpReceiveQueueBytes = v;
            return this;
        }

        public Builder tcp(TcpConfig v) {
            tcp = v;
            return this;
        }

        /** Seed of the secrets (ISN, ephemeral ports); 0 (default) draws them from SecureRandom. */
        public Builder secretSeed(long v) {
            secretSeed = v;
            return this;
        }

        public Builder rxBurst(int v) {
            rxBurst = v;
            return this;
        }

        /**
         * Frames handed to the device between two flushes: the stack flushes whenever this many are queued,
         * and at the end of each poll, so a device whose transmit queue holds at least this many never
         * drops the stack's frames for want of room, however much one poll sends.
         */
        public Builder txBurst(int v) {
            txBurst = v;
            return this;
        }

        /**
         * The host's public IP, answered by this stack as a second local address (ARP, IPv4, ICMP echo, TCP and
         * UDP by port), alongside its own (private) address: the resource that plain clients reach.
         */
        public Builder publicAddress(String ip) {
            this.publicAddress = IpAddress.parse(ip).v4();
            return this;
        }

        public StackConfig build() {
            List<Ipv4Route> all = new ArrayList<>();
            if (address != 0 && prefixLength >= 1 && prefixLength <= 32) {
                all.add(new Ipv4Route(address, prefixLength, 0));
            }
            all.addAll(routes);
            return new StackConfig(name, address, prefixLength, all, mtu, defaultTtl, arpCacheEntries, arpReachableNs,
                arpRetransmitNs, arpRetries, arpPendingPerEntry, gratuitousArp, reassemblySlots, reassemblyTimeoutNs,
                reassemblyMaxFragments, pmtuExpiryNs, pmtuCacheEntries, icmpErrorsPerSecond, icmpErrorBurst,
                udpMaxSockets, udpReceiveQueueBytes, tcp, secretSeed, rxBurst, txBurst, publicAddress);
        }
    }
}
