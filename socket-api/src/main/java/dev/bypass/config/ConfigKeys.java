package dev.bypass.config;

import dev.bypass.nic.dpdk.DpdkDriver;
import dev.bypass.nic.driver.MemoryDriver;
import dev.bypass.nic.driver.TapDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every key a bypass configuration file (and {@code --set section.key=value}) accepts, in the order the
 * reference lists them.
 */
public final class ConfigKeys {
    public static final String STACK = "stack";
    public static final String EAL = "eal";
    public static final String SERVICES = "services";
    public static final String RESOURCE = "resource";
    /** The sections in reference order; {@code resource} stands for every {@code [resource.NAME]}. */
    public static final List<String> SECTIONS = List.of(STACK, EAL, SERVICES, RESOURCE);
    /** Resource names: they prefix counter labels ({@code r0: tcp.in_segs}). */
    public static final String RESOURCE_NAME = "[A-Za-z0-9_-]{1,32}";
    public static final int MAX_QUEUES = 64;

    private static final List<ConfigKey> ALL = new ArrayList<>();
    private static final String PORT_DOC = "its port";

    // ------------------------------------------------------------------------------------------ [stack]
    public static final ConfigKey NAME = stack("name", ValueType.string("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}",
            "1 to 64 of A-Z a-z 0-9 _ . - (starting with a letter or digit)"), "\"bypass\"",
        "the process's name: in the banner and in the default counters file's name");
    public static final ConfigKey PUBLIC_IP = stack("public-ip", ValueType.IPV4, "none",
        "the host's public IP, the address clients use: a resource's own address, or another one that the public "
            + "resource answers for beside its own (ARP, ICMP, TCP and UDP); get and send use that resource first");
    public static final ConfigKey PUBLIC_RESOURCE = stack("public-resource", ValueType.string("[A-Za-z0-9_.-]{1,64}",
            "the name of a [resource.NAME]"), "the first resource",
        "the resource that answers for public-ip when it is not a resource's own address");
    public static final ConfigKey GATEWAY = stack("gateway", ValueType.IPV4, "none",
        "default route of every resource that sets no gateway of its own (it must be on the resource's subnet)");
    public static final ConfigKey ROUTES = stack("routes", ValueType.ROUTES, "[]",
        "routes of every resource that sets none: \"a.b.c.d/n via g.h.i.j\", or \"a.b.c.d/n\" on-link");
    public static final ConfigKey TCP_PROFILE = stack("tcp-profile", ValueType.oneOf("default", "linux"), "\"default\"",
        "TCP's defaults: bypass's, or Linux's knob by knob (README, The Linux profile); the limits below override either");
    public static final ConfigKey MAX_CONNECTIONS = stack("max-connections", ValueType.integer(1, 1 << 20), "4096",
        "TCP connections per resource (a fixed pool of slots; waiting in a listen backlog takes one)");
    public static final ConfigKey SEND_BUFFER = stack("send-buffer", ValueType.size(4096, 1L << 30),
        "256k (linux: 4m)", "each TCP connection's send buffer, allocated whole off-heap when it opens");
    public static final ConfigKey RECEIVE_BUFFER = stack("receive-buffer", ValueType.size(4096, 1L << 30),
        "256k (linux: 6m)", "each TCP connection's receive buffer (the window scale follows from it)");
    public static final ConfigKey LISTEN_BACKLOG = stack("listen-backlog", ValueType.integer(1, 65535),
        "128 (linux: 4096)", "connections a listener holds before they are accepted");
    public static final ConfigKey UDP_SOCKETS = stack("udp-sockets", ValueType.integer(1, 65535), "1024",
        "UDP sockets per resource");
    public static final ConfigKey UDP_RECEIVE_QUEUE = stack("udp-receive-queue", ValueType.size(8192, 64L << 20), "512k",
        "each UDP socket's receive queue; an eighth of it is the longest datagram it takes");
    public static final ConfigKey ARP_CACHE = stack("arp-cache-entries", ValueType.integer(1, 1 << 20), "512",
        "neighbours each resource remembers");
    public static final ConfigKey REASSEMBLY_SLOTS = stack("reassembly-slots", ValueType.integer(1, 65536), "16",
        "IPv4 datagrams each resource reassembles at once");
    public static final ConfigKey IDLE = stack("idle", ValueType.IDLE, "\"backoff\"",
        "what a poll thread does when idle: busy-spin (a whole core, lowest latency), yield, backoff (spin, yield, "
            + "then park up to 100 us), sleep[:NS] (park NS ns, default 1000)");
    public static final ConfigKey COUNTERS_FILE = stack("counters-file", ValueType.PATH,
        "\"/dev/shm/bypass-NAME.counters\"", "the memory-mapped counters file ./bypass stat reads (\"none\": no file)");

    // -------------------------------------------------------------------------------------------- [eal]
    public static final ConfigKey EAL_ARGS = key(EAL, "args", ValueType.STRINGS, "[]",
        "arguments of DPDK's rte_eal_init, e.g. [\"-l\", \"2-3\", \"-a\", \"0000:03:00.0\"] (for driver dpdk)", null);
    public static final ConfigKey EAL_FILE_PREFIX = key(EAL, "file-prefix", ValueType.string("[A-Za-z0-9_-]{1,64}",
        "1 to 64 of A-Z a-z 0-9 _ -"), "\"bypass\"",
        "DPDK's --file-prefix: hugepage files and runtime directory of this process (two processes need two)", null);

    // --------------------------------------------------------------------------------------- [services]
    public static final ConfigKey HTTP = service("http", "true",
        "the HTTP/1.1 server (keep-alive; GET /bytes/N answers N generated bytes)");
    public static final ConfigKey HTTP_PORT = servicePort("http-port", 80);
    public static final ConfigKey TCP_ECHO = service("tcp-echo", "true", "TCP echo (RFC 862)");
    public static final ConfigKey TCP_ECHO_PORT = servicePort("tcp-echo-port", 7);
    public static final ConfigKey DISCARD = service("discard", "true",
        "TCP discard (RFC 863): counts and hashes what it receives");
    public static final ConfigKey DISCARD_PORT = servicePort("discard-port", 9);
    public static final ConfigKey UDP_ECHO = service("udp-echo", "true", "UDP echo (RFC 862)");
    public static final ConfigKey UDP_ECHO_PORT = servicePort("udp-echo-port", 7);
    public static final ConfigKey CONNECT_QUERY = service("connect-query", "true",
        "the connect query service on the public IP (README, The connect query protocol): which bypass tuples serve "
            + "each TCP service's public tuple, from the resources' live state (only with [stack] public-ip)");
    public static final ConfigKey CONNECT_QUERY_PORT = servicePort("connect-query-port", 7483);
    public static final ConfigKey CONNECT_QUERY_TTL = key(SERVICES, "connect-query-ttl", ValueType.integer(100, 3_600_000),
        "2000", "how long clients may keep an answer, in milliseconds; the table is rebuilt twice per TTL", null);

    // ---------------------------------------------------------------------------------- [resource.NAME]
    public static final ConfigKey DRIVER = resource("driver", ValueType.string(
            "[a-z][a-z0-9_-]*|[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)+",
            "memory, tap, dpdk, or the class name of a ResourceDriver"), "\"tap\"",
        "the NIC: tap (a TAP interface to the kernel), memory (an in-memory switch of this process), dpdk");
    public static final ConfigKey ADDRESS = resource("address", ValueType.CIDR, "required",
        "the resource's address and subnet, a.b.c.d/n");
    public static final ConfigKey RESOURCE_GATEWAY = resource("gateway", ValueType.IPV4, "[stack] gateway",
        "default route (on the resource's subnet)");
    public static final ConfigKey RESOURCE_ROUTES = resource("routes", ValueType.ROUTES, "[stack] routes",
        "routes, as in [stack]");
    public static final ConfigKey MAC = resource("mac", ValueType.MAC, "derived",
        "the NIC's MAC; by default a locally administered one (tap: from the pid and name; dpdk: the NIC's)");
    public static final ConfigKey MTU = resource("mtu", ValueType.integer(68, 65535), "1500",
        "largest IP packet, bytes");
    public static final ConfigKey QUEUES = resource("queues", ValueType.integer(1, MAX_QUEUES), "1",
        "receive and transmit queues (tap: 1)");
    public static final ConfigKey OFFLOADS = resource("offloads", ValueType.BOOLEAN, "true",
        "use the NIC's checksum and TCP segmentation offloads where it has them (tap has none)");
    public static final ConfigKey POOL_FRAMES = resource("pool-frames", ValueType.integer(64, 1 << 20),
        "driver's (tap 1024, memory 4096)", "frames in the NIC's buffer pool, shared by receive and transmit");
    public static final ConfigKey TX_QUEUE_FRAMES = resource("tx-queue-frames", ValueType.integer(1, 1 << 16),
        "driver's (tap 256, memory 1024)", "frames queued for transmit between two flushes");
    public static final ConfigKey CPU = resource("cpu", ValueType.integer(0, 4095), "none",
        "pin the resource's poll thread to this CPU (sched_setaffinity)");
    public static final ConfigKey RESOURCE_IDLE = resource("idle", ValueType.IDLE, "[stack] idle",
        "idle strategy of this resource's poll thread");
    public static final ConfigKey EXCEPTION_TAP = resource("exception-tap", ValueType.string(
        "[^\\s/:]{1,15}", "an interface name of 1 to 15 bytes without / : or spaces"), "none",
        "the exception path: frames the stack does not claim (ssh, other ports, IPv6, ...) go to a kernel TAP of this "
            + "name, given the resource's MAC and address, and the kernel's frames go out on the NIC");
    public static final ConfigKey EXCEPTION_NETNS = resource("exception-netns", ValueType.string(
        "[A-Za-z0-9_.-]{1,64}", "the name of an existing network namespace"), "none",
        "move the exception path's TAP into this (existing) network namespace: the kernel that keeps its networking "
            + "there (on a veth rig, one that does not also see the NIC's frames)");
    public static final ConfigKey TAP_NAME = driverKey(TapDriver.TYPE, TapDriver.KEY_NAME, ValueType.string(
        "[^\\s/:]{1,15}", "an interface name of 1 to 15 bytes without / : or spaces"), "the resource's name",
        "the TAP interface's name");
    public static final ConfigKey TAP_ATTACH = driverKey(TapDriver.TYPE, TapDriver.KEY_ATTACH, ValueType.BOOLEAN, "false",
        "attach to an existing persistent TAP (ip tuntap add mode tap ...) instead of creating one");
    public static final ConfigKey TAP_NETNS = driverKey(TapDriver.TYPE, TapDriver.KEY_NETNS, ValueType.string(
        "[A-Za-z0-9_.-]{1,64}", "the name of an existing network namespace"), "none",
        "move the kernel's side of the TAP into this (existing) network namespace and bring it up");
    public static final ConfigKey TAP_PEER = driverKey(TapDriver.TYPE, TapDriver.KEY_PEER, ValueType.CIDR, "none",
        "give the kernel's side this address (in tap-netns if set) and bring it up");
    public static final ConfigKey DPDK_AF_PACKET = driverKey(DpdkDriver.TYPE, DpdkDriver.KEY_AF_PACKET, ValueType.string(
        "[A-Za-z0-9_.@-]{1,15}", "a Linux interface name"), "none",
        "run on DPDK's af_packet PMD over this Linux interface (a veth of hw-test/rig.sh, any kernel link)");
    public static final ConfigKey DPDK_DEVICE = driverKey(DpdkDriver.TYPE, DpdkDriver.KEY_DEVICE, ValueType.string(
        "[^\\s]{1,256}", "a PCI address or a virtual device's arguments"), "none",
        "the port as DPDK names it: a PCI address (0000:03:00.0) or vdev arguments (net_tap0,iface=dtap0); "
            + "give this or af-packet");
    public static final ConfigKey DPDK_NETNS = driverKey(DpdkDriver.TYPE, DpdkDriver.KEY_NETNS, ValueType.string(
        "[A-Za-z0-9_.-]{1,64}", "the name of an existing network namespace"), "none",
        "open the port in this network namespace (af_packet finds its interface there)");
    public static final ConfigKey DPDK_AF_PACKET_FRAME_SIZE = driverKey(DpdkDriver.TYPE,
        DpdkDriver.KEY_AF_PACKET_FRAME_SIZE, ValueType.integer(2048, 32768), "2048",
        "af_packet's ring slot in bytes (a power of two): raise it for frames or kernel-reassembled datagrams above "
            + "about 2000 bytes");
    public static final ConfigKey DPDK_FLOW_ISOLATION = driverKey(DpdkDriver.TYPE, DpdkDriver.KEY_FLOW_ISOLATION,
        ValueType.oneOf("off", "on", "auto"), "\"off\"",
        "only ARP and IPv4 to the resource's address reach the port (rte_flow_isolate and flow rules): on a bifurcated "
            + "NIC (mlx5) the kernel keeps every other frame, no exception path needed. on: fail where the PMD cannot "
            + "isolate (af_packet, net_tap without TC flower); auto: then open without isolation");
    public static final ConfigKey NETWORK = driverKey(MemoryDriver.TYPE, MemoryDriver.KEY_NETWORK,
        ValueType.string("[A-Za-z0-9_.-]{1,64}", "1 to 64 of A-Z a-z 0-9 _ . -"), "\"default\"",
        "the in-memory switch: resources (and tests) naming the same one share it");

    private ConfigKeys() {
    }

    /** Every key, in reference order. */
    public static List<ConfigKey> all() {
        return List.copyOf(ALL);
    }

    /** The keys of one section kind ({@code resource} for every {@code [resource.NAME]}). */
    public static List<ConfigKey> of(String section) {
        return ALL.stream().filter(k -> k.section().equals(section)).toList();
    }

    /** The key {@code name} of section kind {@code section}, or null. */
    public static ConfigKey find(String section, String name) {
        for (ConfigKey k : ALL) {
            if (k.section().equals(section) && k.name().equals(name)) {
                return k;
            }
        }
        return null;
    }

    /** The known key of {@code section} closest to a misspelt {@code name}, or null if none is close. */
    public static String suggest(String section, String name, List<String> extra) {
        String best = null;
        int bestDistance = 3;
        List<String> names = new ArrayList<>(of(section).stream().map(ConfigKey::name).toList());
        names.addAll(extra);
        for (String candidate : names) {
            int d = distance(name.toLowerCase(Locale.ROOT), candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The reference of every key as a Markdown table per section (README and {@code bypass config --reference}). */
    public static String reference() {
        StringBuilder sb = new StringBuilder();
        for (String section : SECTIONS) {
            sb.append(section.equals(RESOURCE) ? "`[resource.NAME]`, one per NIC" : "`[" + section + "]`").append("\n\n");
            sb.append("| key | default | allowed | meaning |\n|---|---|---|---|\n");
            for (ConfigKey k : of(section)) {
                String allowed = k.type().allowed().replaceFirst("^must be ", "");
                sb.append("| `").append(k.name()).append('`').append(k.driver() == null ? "" : " (" + k.driver() + ")")
                    .append(" | ").append(cell(k.defaultText())).append(" | ").append(cell(allowed)).append(" | ")
                    .append(cell(k.doc())).append(" |\n");
            }
            sb.append('\n');
        }
        return sb.toString().stripTrailing() + "\n";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    private static ConfigKey key(String section, String name, ValueType type, String defaultText, String doc,
                                 String driver) {
        ConfigKey k = new ConfigKey(section, name, type, defaultText, doc, driver);
        ALL.add(k);
        return k;
    }

    private static ConfigKey stack(String name, ValueType type, String defaultText, String doc) {
        return key(STACK, name, type, defaultText, doc, null);
    }

    private static ConfigKey service(String name, String defaultText, String doc) {
        return key(SERVICES, name, ValueType.BOOLEAN, defaultText, doc + " (serve)", null);
    }

    private static ConfigKey servicePort(String name, int port) {
        return key(SERVICES, name, ValueType.integer(1, 65535), Integer.toString(port), PORT_DOC, null);
    }

    private static ConfigKey resource(String name, ValueType type, String defaultText, String doc) {
        return key(RESOURCE, name, type, defaultText, doc, null);
    }

    private static ConfigKey driverKey(String driver, String name, ValueType type, String defaultText, String doc) {
        return key(RESOURCE, name, type, defaultText, doc, driver);
    }
}
