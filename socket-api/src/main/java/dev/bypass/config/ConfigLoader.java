package dev.bypass.config;

import dev.bypass.nic.driver.ResourceDriver;
import dev.bypass.nic.driver.ResourceDrivers;
import dev.bypass.nic.driver.ResourceSettings;
import dev.bypass.stack.Ipv4Route;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a configuration file (TOML, see {@link Toml}), applies the command line's overrides, checks every
 * value against {@link ConfigKeys} and the drivers, and builds a {@link BypassConfig}. Every problem is
 * collected and reported together, each as
 * {@code ORIGIN: [SECTION] KEY = VALUE: WHAT IS ALLOWED}, ORIGIN being {@code file:line} or the flag.
 */
public final class ConfigLoader {
    /** Stands for "the only resource" in an {@link Override} of a named flag such as {@code --address}. */
    public static final String ONLY_RESOURCE = "resource.*";
    /** The resource the named flags create when the configuration has none. */
    public static final String DEFAULT_RESOURCE = "r0";
    private static final Pattern RESOURCE_TABLE = Pattern.compile("resource\\.(" + ConfigKeys.RESOURCE_NAME + ")");

    /**
     * A value from outside the file.
     *
     * @param section {@code stack}, {@code resource.r0}, or {@link #ONLY_RESOURCE}
     * @param origin  what to name in messages: {@code --set}, {@code --address}
     */
    public record Override(String section, String key, String value, String origin) {
        /** {@code section.key=value} of {@code --set}. */
        public static Override parseSet(String text) throws ConfigException {
            int eq = text.indexOf('=');
            int dot = eq < 0 ? -1 : text.lastIndexOf('.', eq);
            if (eq < 0 || dot <= 0) {
                throw new ConfigException("--set " + text + ": must be section.key=value (e.g. resource.r0.queues=2, "
                    + "stack.idle=busy-spin)");
            }
            return new Override(text.substring(0, dot).strip(), text.substring(dot + 1, eq).strip(),
                text.substring(eq + 1), "--set " + text.substring(0, eq).strip());
        }
    }

    /** One value with where it came from. */
    private record Setting(Object value, String text, String origin) {
    }

    private final Map<String, Map<String, Setting>> sections = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, ResourceDriver> drivers = new HashMap<>();
    private final String fileLabel;

    private ConfigLoader(String fileLabel) {
        this.fileLabel = fileLabel;
        for (String s : List.of(ConfigKeys.STACK, ConfigKeys.EAL, ConfigKeys.SERVICES)) {
            sections.put(s, new LinkedHashMap<>());
        }
    }

    /** Loads {@code file} (may be null: flags only) with {@code overrides} applied in order. */
    public static BypassConfig load(Path file, List<Override> overrides) throws ConfigException {
        String text = null;
        if (file != null) {
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException(file + ": cannot read the configuration: " + e.getMessage());
            }
        }
        return parse(file == null ? null : file.toString(), text, overrides);
    }

    /** As {@link #load}, from text; {@code label} names the file in messages. */
    public static BypassConfig parse(String label, String text, List<Override> overrides) throws ConfigException {
        ConfigLoader loader = new ConfigLoader(label == null ? "(no file)" : label);
        if (text != null) {
            loader.readFile(text);
        }
        loader.applyOverrides(overrides);
        loader.checkResourceKeys();
        loader.checkpoint();
        BypassConfig config = loader.build();
        loader.checkpoint();
        return config;
    }

    /** Throws the problems found so far: the file's in line order, then the command line's in their order. */
    private void checkpoint() throws ConfigException {
        if (!problems.isEmpty()) {
            List<String> sorted = new ArrayList<>(problems);
            sorted.sort(java.util.Comparator.comparingLong(this::lineOf));
            throw new ConfigException(sorted);
        }
    }

    private long lineOf(String problem) {
        String prefix = fileLabel + ":";
        if (problem.startsWith(prefix)) {
            int end = prefix.length();
            while (end < problem.length() && Character.isDigit(problem.charAt(end))) {
                end++;
            }
            return end == prefix.length() ? Integer.MAX_VALUE : Long.parseLong(problem.substring(prefix.length(), end));
        }
        return Long.MAX_VALUE;
    }

    // ------------------------------------------------------------------------------------------- input

    private void readFile(String text) throws ConfigException {
        List<Toml.Entry> entries;
        try {
            entries = Toml.parse(text);
        } catch (Toml.SyntaxException e) {
            throw new ConfigException(fileLabel + ":" + e.line() + ": " + e.detail());
        }
        for (Toml.Entry e : entries) {
            String origin = fileLabel + ":" + e.line();
            String kind = sectionKind(e.table(), origin, e.key());
            if (kind == null) {
                continue;
            }
            ConfigKey k = ConfigKeys.find(kind, e.key());
            if (k == null) {
                if (kind.equals(ConfigKeys.RESOURCE)) {
                    // Perhaps a key of the resource's driver: known once the driver is.
                    section(e.table()).put(e.key(), new Setting(null, e.value().text(), origin));
                } else {
                    unknownKey(origin, e.table(), e.key(), e.value().text(), List.of());
                }
                continue;
            }
            try {
                section(e.table()).put(e.key(), new Setting(k.type().convert(e.value()), e.value().text(), origin));
            } catch (ValueType.Invalid invalid) {
                problem(origin, e.table(), e.key(), e.value().toToml(), invalid.getMessage());
            }
        }
    }

    private void applyOverrides(List<Override> overrides) {
        List<String> resources = resourceSections();
        for (Override o : overrides) {
            String table = o.section();
            if (table.equals(ONLY_RESOURCE)) {
                if (resources.size() > 1) {
                    problems.add(o.origin() + ": applies to the only resource, but there are " + resources.size() + " ("
                        + String.join(", ", resources.stream().map(r -> r.substring("resource.".length())).toList())
                        + "): use --set resource.NAME." + o.key() + "=" + o.value());
                    continue;
                }
                table = resources.isEmpty() ? "resource." + DEFAULT_RESOURCE : resources.get(0);
            }
            String kind = sectionKind(table, o.origin(), o.key());
            if (kind == null) {
                continue;
            }
            ConfigKey k = ConfigKeys.find(kind, o.key());
            if (k == null) {
                if (kind.equals(ConfigKeys.RESOURCE)) {
                    section(table).put(o.key(), new Setting(null, o.value(), o.origin()));
                } else {
                    unknownKey(o.origin(), table, o.key(), o.value(), List.of());
                }
                continue;
            }
            try {
                section(table).put(o.key(), new Setting(k.type().convertText(o.value()), o.value(), o.origin()));
            } catch (ValueType.Invalid invalid) {
                problem(o.origin(), table, o.key(), o.value(), invalid.getMessage());
            }
        }
    }

    /** {@code stack}, {@code eal}, {@code services}, {@code resource}; null (and a problem) for anything else. */
    private String sectionKind(String table, String origin, String key) {
        if (table.equals(ConfigKeys.STACK) || table.equals(ConfigKeys.EAL) || table.equals(ConfigKeys.SERVICES)) {
            return table;
        }
        if (RESOURCE_TABLE.matcher(table).matches()) {
            return ConfigKeys.RESOURCE;
        }
        if (table.isEmpty()) {
            problems.add(origin + ": key '" + key + "' is outside any table: put it under [stack], [eal], [services] "
                + "or [resource.NAME]");
        } else if (table.startsWith("resource.") || table.equals("resource")) {
            problems.add(origin + ": [" + table + "]: a resource is [resource.NAME], NAME 1 to 32 of A-Z a-z 0-9 _ -");
        } else {
            problems.add(origin + ": unknown table [" + table + "]: the tables are [stack], [eal], [services] and "
                + "[resource.NAME]");
        }
        return null;
    }

    private Map<String, Setting> section(String table) {
        return sections.computeIfAbsent(table, t -> new LinkedHashMap<>());
    }

    private List<String> resourceSections() {
        return sections.keySet().stream().filter(t -> t.startsWith("resource.")).toList();
    }

    private void unknownKey(String origin, String table, String key, String value, List<String> extra) {
        String kind = table.startsWith("resource.") ? ConfigKeys.RESOURCE : table;
        String suggestion = ConfigKeys.suggest(kind, key, extra);
        problems.add(origin + ": [" + table + "] " + key + " = " + value + ": unknown key"
            + (suggestion == null ? "" : " (did you mean " + suggestion + "?)")
            + "; see ./bypass config --reference");
    }

    private void problem(String origin, String table, String key, String value, String why) {
        problems.add(origin + ": [" + table + "] " + key + " = " + value + ": " + why);
    }

    // ------------------------------------------------------------------------------------------- build

    @SuppressWarnings("unchecked")
    private <T> T get(String table, ConfigKey key, T fallback) {
        Setting s = sections.getOrDefault(table, Map.of()).get(key.name());
        return s == null || s.value() == null ? fallback : (T) s.value();
    }

    private boolean isSet(String table, ConfigKey key) {
        return sections.getOrDefault(table, Map.of()).containsKey(key.name());
    }

    private String origin(String table, ConfigKey key) {
        Setting s = sections.getOrDefault(table, Map.of()).get(key.name());
        return s == null ? fileLabel : s.origin();
    }

    private String text(String table, ConfigKey key) {
        Setting s = sections.getOrDefault(table, Map.of()).get(key.name());
        return s == null ? key.defaultText() : s.text();
    }

    private BypassConfig build() {
        String st = ConfigKeys.STACK;
        String name = get(st, ConfigKeys.NAME, "bypass");
        Path countersFile = countersFile(get(st, ConfigKeys.COUNTERS_FILE, null), name);
        TcpConfig tcp = tcpConfig();
        BypassConfig.Services services = services();
        ResourceSettings.Eal eal = new ResourceSettings.Eal(get(ConfigKeys.EAL, ConfigKeys.EAL_ARGS, List.of()),
            get(ConfigKeys.EAL, ConfigKeys.EAL_FILE_PREFIX, "bypass"));

        List<BypassConfig.Resource> resources = new ArrayList<>();
        for (String table : resourceSections()) {
            BypassConfig.Resource r = resource(table, tcp, eal);
            if (r != null) {
                resources.add(r);
            }
        }
        if (resourceSections().isEmpty()) {
            problems.add(fileLabel + ": no resource: add a [resource.NAME] section (driver = \"tap\", address = "
                + "\"a.b.c.d/n\"), or give --address (and --driver)");
        }
        crossCheck(resources);
        int publicIp = publicIp(resources);
        resources = withPublicAddress(resources, publicIp);

        Map<String, String> origins = new HashMap<>();
        sections.forEach((table, keys) -> keys.forEach((k, s) -> origins.put(table + "." + k, s.origin())));
        return new BypassConfig(name, publicIp, countersFile, services, eal, resources, warnings, origins, effective());
    }

    /** The default counters file: /dev/shm/bypass-NAME.counters, or in the temp directory without /dev/shm. */
    public static Path defaultCountersFile(String name) {
        Path shm = Path.of("/dev/shm");
        Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return dir.resolve("bypass-" + name + ".counters");
    }

    private static Path countersFile(String value, String name) {
        if (value == null) {
            return defaultCountersFile(name);
        }
        return value.equals("none") ? null : Path.of(value);
    }

    private TcpConfig tcpConfig() {
        String st = ConfigKeys.STACK;
        TcpConfig.Builder b = "linux".equals(get(st, ConfigKeys.TCP_PROFILE, "default")) ? TcpConfig.linuxBuilder()
            : TcpConfig.builder();
        Long maxConnections = get(st, ConfigKeys.MAX_CONNECTIONS, null);
        if (maxConnections != null) {
            b.maxConnections(maxConnections.intValue());
        }
        Long send = get(st, ConfigKeys.SEND_BUFFER, null);
        if (send != null) {
            b.sendBufferBytes(send.intValue());
        }
        Long receive = get(st, ConfigKeys.RECEIVE_BUFFER, null);
        if (receive != null) {
            b.receiveBufferBytes(receive.intValue());
        }
        Long backlog = get(st, ConfigKeys.LISTEN_BACKLOG, null);
        if (backlog != null) {
            b.listenBacklog(backlog.intValue());
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            problems.add(fileLabel + ": [stack] TCP settings: " + e.getMessage());
            return TcpConfig.DEFAULT;
        }
    }

    private BypassConfig.Services services() {
        String sv = ConfigKeys.SERVICES;
        return new BypassConfig.Services(get(sv, ConfigKeys.HTTP, true), port(ConfigKeys.HTTP_PORT, 80),
            get(sv, ConfigKeys.TCP_ECHO, true), port(ConfigKeys.TCP_ECHO_PORT, 7),
            get(sv, ConfigKeys.DISCARD, true), port(ConfigKeys.DISCARD_PORT, 9),
            get(sv, ConfigKeys.UDP_ECHO, true), port(ConfigKeys.UDP_ECHO_PORT, 7),
            get(sv, ConfigKeys.CONNECT_QUERY, true), port(ConfigKeys.CONNECT_QUERY_PORT, 7483),
            get(sv, ConfigKeys.CONNECT_QUERY_TTL, 2000L));
    }

    private int port(ConfigKey key, int fallback) {
        Long v = get(ConfigKeys.SERVICES, key, null);
        return v == null ? fallback : v.intValue();
    }

    /**
     * Finds each resource's driver and checks the section's keys against it: a key of no driver, or of
     * another driver than the resource's, is refused with the others of the first round.
     */
    private void checkResourceKeys() {
        for (String table : resourceSections()) {
            String driverType = get(table, ConfigKeys.DRIVER, "tap");
            ResourceDriver driver;
            try {
                driver = ResourceDrivers.find(driverType);
            } catch (ResourceDrivers.DriverUnavailableException e) {
                problem(origin(table, ConfigKeys.DRIVER), table, "driver", Toml.quote(driverType), e.getMessage());
                continue;
            }
            drivers.put(table, driver);
            for (Map.Entry<String, Setting> e : sections.get(table).entrySet()) {
                String key = e.getKey();
                Setting s = e.getValue();
                ConfigKey k = ConfigKeys.find(ConfigKeys.RESOURCE, key);
                if (k == null && !driver.keys().contains(key)) {
                    unknownKey(s.origin(), table, key, s.text(), List.copyOf(driver.keys()));
                } else if (k != null && k.driver() != null && !k.driver().equals(driver.type())) {
                    problem(s.origin(), table, key, s.text(), "only for driver " + k.driver() + " (this resource's driver is "
                        + driver.type() + ")");
                }
            }
        }
    }

    private BypassConfig.Resource resource(String table, TcpConfig tcp, ResourceSettings.Eal eal) {
        String name = table.substring("resource.".length());
        ResourceDriver driver = drivers.get(table);
        if (driver == null) {
            return null; // reported by checkResourceKeys
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (Map.Entry<String, Setting> e : sections.get(table).entrySet()) {
            options.put(e.getKey(), e.getValue().text());
        }
        if (!isSet(table, ConfigKeys.ADDRESS)) {
            problems.add(fileLabel + ": [" + table + "] address is missing: address = \"a.b.c.d/n\" (or --address)");
            return null;
        }
        int[] cidr = get(table, ConfigKeys.ADDRESS, null);
        int address = cidr[0];
        int prefix = cidr[1];
        int mask = Ipv4Route.mask(prefix);
        if (prefix < 31 && ((address & ~mask) == 0 || (address | mask) == -1)) {
            problem(origin(table, ConfigKeys.ADDRESS), table, "address", text(table, ConfigKeys.ADDRESS),
                "is the network or broadcast address of its subnet; a host address is needed");
            return null;
        }

        // The resource's own gateway and routes (each gateway on its subnet), else those of the stack's that
        // go through this subnet, as Linux gives a route to the link its gateway is on.
        String subnet = IpAddress.v4ToString(address & mask) + "/" + prefix;
        Integer gateway;
        if (isSet(table, ConfigKeys.RESOURCE_GATEWAY)) {
            gateway = get(table, ConfigKeys.RESOURCE_GATEWAY, null);
            if ((gateway & mask) != (address & mask)) {
                problem(origin(table, ConfigKeys.RESOURCE_GATEWAY), table, "gateway", text(table, ConfigKeys.RESOURCE_GATEWAY),
                    "must be on resource " + name + "'s subnet " + subnet);
            }
        } else {
            Integer stackGateway = get(ConfigKeys.STACK, ConfigKeys.GATEWAY, null);
            gateway = stackGateway != null && (stackGateway & mask) == (address & mask) ? stackGateway : null;
        }
        List<Ipv4Route> routes = new ArrayList<>();
        if (isSet(table, ConfigKeys.RESOURCE_ROUTES)) {
            for (Ipv4Route r : get(table, ConfigKeys.RESOURCE_ROUTES, List.<Ipv4Route>of())) {
                if (!r.onLink() && (r.gateway() & mask) != (address & mask)) {
                    problem(origin(table, ConfigKeys.RESOURCE_ROUTES), table, "routes", text(table, ConfigKeys.RESOURCE_ROUTES),
                        "the gateway of " + r + " must be on resource " + name + "'s subnet " + subnet);
                }
                routes.add(r);
            }
        } else {
            for (Ipv4Route r : get(ConfigKeys.STACK, ConfigKeys.ROUTES, List.<Ipv4Route>of())) {
                if (r.onLink() ? resourceSections().size() == 1 : (r.gateway() & mask) == (address & mask)) {
                    routes.add(r);
                }
            }
        }
        StackConfig.Builder sb = StackConfig.builder().name(name).address(address, prefix).tcp(tcp);
        if (gateway != null) {
            sb.gateway(IpAddress.v4ToString(gateway));
        }
        for (Ipv4Route r : routes) {
            sb.route(IpAddress.v4ToString(r.prefix()) + "/" + r.length(), r.onLink() ? null : IpAddress.v4ToString(r.gateway()));
        }
        String st = ConfigKeys.STACK;
        Long udpSockets = get(st, ConfigKeys.UDP_SOCKETS, null);
        if (udpSockets != null) {
            sb.udpMaxSockets(udpSockets.intValue());
        }
        Long udpQueue = get(st, ConfigKeys.UDP_RECEIVE_QUEUE, null);
        if (udpQueue != null) {
            sb.udpReceiveQueueBytes(udpQueue.intValue());
        }
        Long arp = get(st, ConfigKeys.ARP_CACHE, null);
        if (arp != null) {
            sb.arpCacheEntries(arp.intValue());
        }
        Long reassembly = get(st, ConfigKeys.REASSEMBLY_SLOTS, null);
        if (reassembly != null) {
            sb.reassemblySlots(reassembly.intValue());
        }
        StackConfig stack;
        try {
            stack = sb.build();
        } catch (IllegalArgumentException e) {
            problems.add(fileLabel + ": [" + table + "]: " + e.getMessage());
            return null;
        }

        MacAddress macAddress = get(table, ConfigKeys.MAC, null);
        long mac = macAddress == null ? ResourceSettings.DEFAULT_MAC : macAddress.bits();
        int mtu = get(table, ConfigKeys.MTU, 1500L).intValue();
        int queues = get(table, ConfigKeys.QUEUES, 1L).intValue();
        boolean offloads = get(table, ConfigKeys.OFFLOADS, true);
        int poolFrames = get(table, ConfigKeys.POOL_FRAMES, 0L).intValue();
        int txQueueFrames = get(table, ConfigKeys.TX_QUEUE_FRAMES, 0L).intValue();
        int cpu = get(table, ConfigKeys.CPU, -1L).intValue();
        IdleSpec idle = get(table, ConfigKeys.RESOURCE_IDLE, get(ConfigKeys.STACK, ConfigKeys.IDLE, IdleSpec.BACKOFF));
        ResourceSettings settings = new ResourceSettings(name, address, prefix, mac, mtu, queues, offloads, poolFrames, txQueueFrames,
            options, eal);
        List<Ipv4Route> all = new ArrayList<>(stack.routes());
        all.removeIf(r -> r.length() == prefix && r.prefix() == (address & mask) && r.onLink());
        return new BypassConfig.Resource(name, driver.type(), driver, settings, stack, cpu, idle, all);
    }

    private void crossCheck(List<BypassConfig.Resource> resources) {
        String st = ConfigKeys.STACK;
        if (resources.size() == resourceSections().size()) {
            Integer gateway = get(st, ConfigKeys.GATEWAY, null);
            if (gateway != null && resources.stream().noneMatch(r -> r.onLink(gateway))) {
                problem(origin(st, ConfigKeys.GATEWAY), st, "gateway", text(st, ConfigKeys.GATEWAY),
                    "must be on the subnet of a resource (" + subnets(resources) + ")");
            }
            for (Ipv4Route r : get(st, ConfigKeys.ROUTES, List.<Ipv4Route>of())) {
                if (r.onLink() && resources.size() > 1) {
                    problem(origin(st, ConfigKeys.ROUTES), st, "routes", text(st, ConfigKeys.ROUTES), "the on-link route "
                        + IpAddress.v4ToString(r.prefix()) + "/" + r.length() + " fits any of " + resources.size()
                        + " resources: put it in the routes of its [resource.NAME]");
                } else if (!r.onLink() && resources.stream().noneMatch(x -> x.onLink(r.gateway()))) {
                    problem(origin(st, ConfigKeys.ROUTES), st, "routes", text(st, ConfigKeys.ROUTES), "the gateway of " + r
                        + " must be on the subnet of a resource (" + subnets(resources) + ")");
                }
            }
        }
        Map<Integer, String> addresses = new HashMap<>();
        Map<String, String> taps = new HashMap<>();
        Map<Integer, String> cpus = new HashMap<>();
        for (BypassConfig.Resource r : resources) {
            String table = "resource." + r.name();
            String other = addresses.putIfAbsent(r.stack().address(), r.name());
            if (other != null) {
                problem(origin(table, ConfigKeys.ADDRESS), table, "address", r.addressText(),
                    "resource " + other + " has this address already");
            }
            if (r.driverType().equals("tap")) {
                String tap = r.settings().option(ConfigKeys.TAP_NAME.name(), r.name());
                String otherTap = taps.putIfAbsent(tap, r.name());
                if (otherTap != null) {
                    problem(origin(table, ConfigKeys.TAP_NAME), table, "tap-name", tap,
                        "resource " + otherTap + " uses this TAP name already");
                }
            }
            if (r.cpu() >= 0) {
                String otherCpu = cpus.putIfAbsent(r.cpu(), r.name());
                if (otherCpu != null) {
                    warnings.add(origin(table, ConfigKeys.CPU) + ": [" + table + "] cpu = " + r.cpu() + ": resource "
                        + otherCpu + " is pinned to that CPU too; two poll threads then share one core");
                }
            }
        }
    }

    private static String subnets(List<BypassConfig.Resource> resources) {
        return String.join(", ", resources.stream().map(r -> r.name() + " " + IpAddress.v4ToString(r.stack().address()
            & Ipv4Route.mask(r.stack().prefixLength())) + "/" + r.stack().prefixLength()).toList());
    }

    private int publicIp(List<BypassConfig.Resource> resources) {
        Integer ip = get(ConfigKeys.STACK, ConfigKeys.PUBLIC_IP, null);
        if (ip == null) {
            return 0;
        }
        return ip;
    }

    /**
     * A public IP that is no resource's own address is answered by the public resource ({@code [stack]
     * public-resource}, default the first) as a second local address.
     */
    private List<BypassConfig.Resource> withPublicAddress(List<BypassConfig.Resource> resources, int publicIp) {
        if (publicIp == 0 || resources.isEmpty() || resources.stream().anyMatch(r -> r.stack().address() == publicIp)) {
            return resources;
        }
        String wanted = get(ConfigKeys.STACK, ConfigKeys.PUBLIC_RESOURCE, null);
        int index = 0;
        if (wanted != null) {
            index = -1;
            for (int i = 0; i < resources.size(); i++) {
                if (resources.get(i).name().equals(wanted)) {
                    index = i;
                }
            }
            if (index < 0) {
                problem(origin(ConfigKeys.STACK, ConfigKeys.PUBLIC_RESOURCE), ConfigKeys.STACK, "public-resource",
                    Toml.quote(wanted), "no such resource (" + String.join(", ", resources.stream()
                        .map(BypassConfig.Resource::name).toList()) + ")");
                return resources;
            }
        }
        List<BypassConfig.Resource> out = new ArrayList<>(resources);
        BypassConfig.Resource r = out.get(index);
        try {
            out.set(index, new BypassConfig.Resource(r.name(), r.driverType(), r.driver(), r.settings(),
                r.stack().withPublicAddress(publicIp), r.cpu(), r.idle(), r.routes()));
        } catch (IllegalArgumentException e) {
            problem(origin(ConfigKeys.STACK, ConfigKeys.PUBLIC_IP), ConfigKeys.STACK, "public-ip",
                IpAddress.v4ToString(publicIp), e.getMessage());
        }
        return out;
    }

    /** The configuration as TOML: every key, set ones with their origin, defaults commented out. */
    private String effective() {
        StringBuilder sb = new StringBuilder();
        List<String> tables = new ArrayList<>(List.of(ConfigKeys.STACK, ConfigKeys.EAL, ConfigKeys.SERVICES));
        tables.addAll(resourceSections());
        for (String table : tables) {
            String kind = table.startsWith("resource.") ? ConfigKeys.RESOURCE : table;
            Map<String, Setting> set = sections.getOrDefault(table, Map.of());
            String driver = kind.equals(ConfigKeys.RESOURCE) ? String.valueOf(get(table, ConfigKeys.DRIVER, "tap")) : null;
            sb.append(sb.isEmpty() ? "" : "\n").append('[').append(table).append("]\n");
            for (ConfigKey k : ConfigKeys.of(kind)) {
                if (k.driver() != null && !k.driver().equals(driver)) {
                    continue;
                }
                Setting s = set.get(k.name());
                if (s == null) {
                    sb.append("# ").append(k.name()).append(" = ").append(k.defaultText()).append('\n');
                } else {
                    sb.append(k.name()).append(" = ").append(toml(s.value(), s.text())).append("  # ").append(s.origin())
                        .append('\n');
                }
            }
            for (Map.Entry<String, Setting> e : set.entrySet()) {
                if (ConfigKeys.find(kind, e.getKey()) == null) {
                    sb.append(e.getKey()).append(" = ").append(Toml.quote(e.getValue().text())).append("  # ")
                        .append(e.getValue().origin()).append(" (driver ").append(driver).append(")\n");
                }
            }
        }
        return sb.toString();
    }

    /** A checked value written back as TOML. */
    private static String toml(Object value, String text) {
        if (value instanceof Long || value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof List<?> list) {
            StringBuilder sb = new StringBuilder("[");
            for (Object o : list) {
                String item = o instanceof Ipv4Route r ? IpAddress.v4ToString(r.prefix()) + "/" + r.length()
                    + (r.onLink() ? "" : " via " + IpAddress.v4ToString(r.gateway())) : o.toString();
                sb.append(sb.length() == 1 ? "" : ", ").append(Toml.quote(item));
            }
            return sb.append(']').toString();
        }
        if (value instanceof int[] cidr) {
            return Toml.quote(IpAddress.v4ToString(cidr[0]) + "/" + cidr[1]);
        }
        if (value instanceof Integer ip) {
            return Toml.quote(IpAddress.v4ToString(ip));
        }
        if (value instanceof MacAddress mac) {
            return Toml.quote(mac.toString());
        }
        if (value instanceof IdleSpec idle) {
            return Toml.quote(idle.toString());
        }
        if (value instanceof String s) {
            return Toml.quote(s);
        }
        return Toml.quote(text);
    }
}
