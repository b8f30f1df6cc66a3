package dev.bypass.config;

import dev.bypass.nic.driver.ResourceDriver;
import dev.bypass.nic.driver.ResourceSettings;
import dev.bypass.stack.Ipv4Route;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.addr.IpAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A checked configuration of one bypass process: its resources (one NIC and one stack each), the stack-wide
 * settings, the services {@code serve} runs and DPDK's EAL settings. Made by {@link ConfigLoader}; every
 * value here has been validated, and {@link #origin} says where each came from.
 *
 * @param name         the process's name ({@code [stack] name})
 * @param publicIp     {@code [stack] public-ip}, 0 if not set
 * @param countersFile the counters file, or null for none
 * @param services     what {@code serve} runs
 * @param eal          the {@code [eal]} section
 * @param resources    the resources in the order of the file
 * @param warnings     things that work but are probably not meant
 * @param origins      where each value came from, by {@code section.key}
 * @param effective    the whole configuration as TOML, defaults as comments
 */
public record BypassConfig(String name, int publicIp, Path countersFile, Services services, ResourceSettings.Eal eal,
                           List<Resource> resources, List<String> warnings, Map<String, String> origins,
                           String effective) {
    public BypassConfig {
        resources = List.copyOf(resources);
        warnings = List.copyOf(warnings);
        origins = Map.copyOf(origins);
    }

    /** Where {@code section.key} came from ("bypass.conf:12", "--set", "--address"), or "default". */
    public String origin(String section, String key) {
        return origins.getOrDefault(section + "." + key, "default");
    }

    /** The resource called {@code name}, or null. */
    public Resource resource(String name) {
        return resources.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * The services of {@code serve}, each on or off with its port. ICMP echo is not among them: the stack
     * answers pings itself.
     */
    public record Services(boolean http, int httpPort, boolean tcpEcho, int tcpEchoPort, boolean discard,
                           int discardPort, boolean udpEcho, int udpEchoPort, boolean connectQuery, int connectQueryPort,
                           long connectQueryTtlMs) {
        /** The services of the foundation, with the connect query on at its default port and TTL. */
        public Services(boolean http, int httpPort, boolean tcpEcho, int tcpEchoPort, boolean discard, int discardPort,
                        boolean udpEcho, int udpEchoPort) {
            this(http, httpPort, tcpEcho, tcpEchoPort, discard, discardPort, udpEcho, udpEchoPort, true, 7483, 2000);
        }

        /** "http :80, tcp echo :7, ..." or "none". */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            append(sb, http, "http", httpPort);
            append(sb, tcpEcho, "tcp echo", tcpEchoPort);
            append(sb, discard, "tcp discard", discardPort);
            append(sb, udpEcho, "udp echo", udpEchoPort);
            return sb.isEmpty() ? "none" : sb.toString();
        }

        private static void append(StringBuilder sb, boolean on, String what, int port) {
            if (on) {
                sb.append(sb.isEmpty() ? "" : ", ").append(what).append(" :").append(port);
            }
        }
    }

    /**
     * One {@code [resource.NAME]}: a NIC and the stack on it.
     *
     * @param driver   the driver found for {@code driverType}
     * @param settings what the driver opens the NIC with
     * @param stack    the stack's configuration (named after the resource)
     * @param cpu      CPU to pin the poll thread to, or -1
     * @param routes   the routes besides the on-link one (the gateway's included)
     */
    public record Resource(String name, String driverType, ResourceDriver driver, ResourceSettings settings,
                           StackConfig stack, int cpu, IdleSpec idle, List<Ipv4Route> routes) {
        /** a.b.c.d/n */
        public String addressText() {
            return IpAddress.v4ToString(stack.address()) + "/" + stack.prefixLength();
        }

        /** True if {@code address} is on this resource's subnet. */
        public boolean onLink(int address) {
            int mask = Ipv4Route.mask(stack.prefixLength());
            return (address & mask) == (stack.address() & mask);
        }

        /** The length of the longest prefix of this resource's routes that matches {@code address}, or -1. */
        public int routeMatch(int address) {
            int best = -1;
            for (Ipv4Route r : stack.routes()) {
                if (r.matches(address) && r.length() > best) {
                    best = r.length();
                }
            }
            return best;
        }
    }
}
