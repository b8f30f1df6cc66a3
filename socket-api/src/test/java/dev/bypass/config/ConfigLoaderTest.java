package dev.bypass.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.driver.ResourceSettings;
import dev.bypass.stack.Ipv4Route;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.testing.Environment;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    private static final Path EXAMPLE = Path.of("..", "hw-test", "examples", "bypass-tap.conf");

    private static final String GOOD = """
        # a bypass process with two resources
        [stack]
        name = "edge-1"
        public-ip = "198.18.0.2"
        tcp-profile = "linux"
        max-connections = 1024
        send-buffer = "512k"
        receive-buffer = 1048576
        idle = "sleep:50000"
        counters-file = "/tmp/edge.counters"
        routes = ["198.19.0.0/16 via 198.18.0.1"]

        [eal]
        args = [
            "-l", "0-1",   # lcores
            "--no-pci",
        ]
        file-prefix = "edge1"

        [services]
        http-port = 8080
        discard = false

        [resource.r0]
        driver = "tap"
        address = "198.18.0.2/24"
        gateway = "198.18.0.1"
        mac = "02:00:00:00:00:2a"
        mtu = 9000
        tap-name = 'bp0'
        tap-netns = "bpns"
        tap-peer = "198.18.0.1/24"
        cpu = 1
        idle = "busy-spin"

        [resource.m1]
        driver = "memory"
        address = "198.18.1.2/24"
        queues = 4
        offloads = false
        network = "lab"
        """;

    @Test
    void a_good_file_gives_every_value_with_its_origin() throws Exception {
        BypassConfig c = ConfigLoader.parse("bypass.conf", GOOD, List.of());

        assertEquals("edge-1", c.name());
        assertEquals(IpAddress.parse("198.18.0.2").v4(), c.publicIp());
        assertEquals(Path.of("/tmp/edge.counters"), c.countersFile());
        assertEquals(List.of("-l", "0-1", "--no-pci"), c.eal().args());
        assertEquals("edge1", c.eal().filePrefix());
        assertEquals(new BypassConfig.Services(true, 8080, true, 7, false, 9, true, 7), c.services());
        assertEquals(2, c.resources().size());

        BypassConfig.Resource r0 = c.resource("r0");
        assertEquals("tap", r0.driverType());
        assertEquals("198.18.0.2/24", r0.addressText());
        assertEquals(MacAddress.parse("02:00:00:00:00:2a").bits(), r0.settings().macAddress());
        assertEquals(9000, r0.settings().mtu());
        assertEquals("bp0", r0.settings().option("tap-name", null));
        assertEquals("bpns", r0.settings().option("tap-netns", null));
        assertEquals(1, r0.cpu());
        assertEquals("busy-spin", r0.idle().toString());
        // its own gateway and the stack's routes
        assertEquals(List.of(new Ipv4Route(0, 0, IpAddress.parse("198.18.0.1").v4()),
            new Ipv4Route(IpAddress.parse("198.19.0.0").v4(), 16, IpAddress.parse("198.18.0.1").v4())), r0.routes());
        assertEquals(512 * 1024, r0.stack().tcp().sendBufferBytes());
        assertEquals(1024 * 1024, r0.stack().tcp().receiveBufferBytes());
        assertEquals(1024, r0.stack().tcp().maxConnections());
        assertEquals(4096, r0.stack().tcp().listenBacklog(), "the Linux profile's backlog, not overridden");

        BypassConfig.Resource m1 = c.resource("m1");
        assertEquals("memory", m1.driverType());
        assertEquals(4, m1.settings().queues());
        assertFalse(m1.settings().offloads());
        assertEquals("lab", m1.settings().option("network", null));
        assertEquals(-1, m1.cpu());
        assertEquals("sleep:50000", m1.idle().toString(), "the stack's idle strategy");
        assertEquals(ResourceSettings.DEFAULT_MAC, m1.settings().macAddress());
        assertEquals(List.of(), m1.routes(), "the stack's route goes through r0's subnet, not m1's");

        assertEquals("bypass.conf:29", c.origin("resource.r0", "mtu"));
        assertEquals("default", c.origin("resource.m1", "mtu"));
        assertTrue(c.warnings().isEmpty(), c.warnings()::toString);
    }

    @Test
    void the_effective_configuration_is_valid_toml_that_loads_to_the_same_values() throws Exception {
        BypassConfig c = ConfigLoader.parse("bypass.conf", GOOD, List.of());
        BypassConfig again = ConfigLoader.parse("effective", c.effective(), List.of());

        assertEquals(c.services(), again.services());
        assertEquals(c.eal(), again.eal());
        assertEquals(c.resource("r0").routes(), again.resource("r0").routes());
        assertEquals(c.resource("r0").settings().options().get("tap-peer"), again.resource("r0").settings().options()
            .get("tap-peer"));
        assertEquals(c.resource("m1").settings(), again.resource("m1").settings());
        assertTrue(c.effective().contains("mtu = 9000  # bypass.conf:29"), c.effective());
        assertTrue(c.effective().contains("# pool-frames = "), c.effective());
    }

    @Test
    void overrides_replace_file_values_and_named_flags_reach_the_only_resource() throws Exception {
        String one = """
            [resource.a]
            address = "198.18.5.2/24"
            queues = 1
            """;
        BypassConfig c = ConfigLoader.parse("one.conf", one, List.of(
            ConfigLoader.Override.parseSet("resource.a.driver=memory"),
            ConfigLoader.Override.parseSet("resource.a.queues=8"),
            ConfigLoader.Override.parseSet("stack.routes=198.19.1.0/24 via 198.18.5.1, 198.19.2.0/24"),
            new ConfigLoader.Override(ConfigLoader.ONLY_RESOURCE, "mtu", "4000", "--mtu")));

        BypassConfig.Resource a = c.resource("a");
        assertEquals(8, a.settings().queues());
        assertEquals(4000, a.settings().mtu());
        assertEquals(2, a.routes().size());
        assertEquals("--mtu", c.origin("resource.a", "mtu"));
        assertEquals("--set resource.a.queues", c.origin("resource.a", "queues"));
    }

    @Test
    void flags_alone_make_resource_r0() throws Exception {
        BypassConfig c = ConfigLoader.load(null, List.of(
            new ConfigLoader.Override(ConfigLoader.ONLY_RESOURCE, "driver", "memory", "--driver"),
            new ConfigLoader.Override(ConfigLoader.ONLY_RESOURCE, "address", "198.18.9.2/24", "--address"),
            new ConfigLoader.Override("stack", "counters-file", "none", "--counters-file")));

        assertEquals(List.of("r0"), c.resources().stream().map(BypassConfig.Resource::name).toList());
        assertNull(c.countersFile());
        assertEquals(ConfigLoader.defaultCountersFile("bypass").getFileName().toString(), "bypass-bypass.counters");
    }

    // --------------------------------------------------------------------------------------- bad files

    private static List<String> problems(String text, ConfigLoader.Override... overrides) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("bypass.conf", text,
            List.of(overrides)));
        return e.problems();
    }

    @Test
    void a_value_out_of_range_names_file_line_section_key_value_and_the_rule() {
        List<String> p = problems("""
            [resource.r0]
            driver = "memory"
            address = "198.18.0.2/24"

            queues = -1
            """);
        assertEquals(List.of("bypass.conf:5: [resource.r0] queues = -1: must be 1..64"), p);
    }

    @Test
    void every_problem_is_reported_at_once() {
        List<String> p = problems("""
            [stack]
            idle = "snooze"
            max-connections = "many"
            tcp-profile = "bsd"
            [services]
            http-port = 70000
            [resource.r0]
            driver = "memory"
            address = "198.18.0.2"
            mtu = 9000
            """);
        assertEquals(List.of(
            "bypass.conf:2: [stack] idle = \"snooze\": must be busy-spin, yield, backoff, sleep or sleep:NS (nanoseconds "
                + "1..1000000000)",
            "bypass.conf:3: [stack] max-connections = \"many\": must be an integer 1..1048576",
            "bypass.conf:4: [stack] tcp-profile = \"bsd\": must be one of default, linux",
            "bypass.conf:6: [services] http-port = 70000: must be 1..65535",
            "bypass.conf:9: [resource.r0] address = \"198.18.0.2\": must be an IPv4 address with its prefix length, "
                + "a.b.c.d/n (n 1..32)"), p.subList(0, 5));
        assertEquals(5, p.size(), p::toString);
    }

    @Test
    void unknown_keys_come_with_the_bad_values() {
        assertEquals(List.of("bypass.conf:4: [resource.r0] queues = -1: must be 1..64",
            "bypass.conf:5: [resource.r0] quues = 2: unknown key (did you mean queues?); see ./bypass config --reference",
            "--mtu: [resource.r0] mtu = 9: must be 68..65535"), problems("""
            [resource.r0]
            driver = "memory"
            address = "198.18.0.2/24"
            queues = -1
            quues = 2
            """, new ConfigLoader.Override(ConfigLoader.ONLY_RESOURCE, "mtu", "9", "--mtu")));
    }

    @Test
    void syntax_errors_name_the_line() {
        assertEquals(List.of("bypass.conf:3: 'tap' is not a TOML value: strings need quotes (\"tap\")"),
            problems("[resource.r0]\naddress = \"198.18.0.2/24\"\ndriver = tap\n"));
        assertEquals(List.of("bypass.conf:3: key 'mtu' defined twice in [resource.r0]"),
            problems("[resource.r0]\nmtu = 1500\nmtu = 9000\n").subList(0, 1));
        assertEquals(List.of("bypass.conf:2: string not closed on its line (a '\"' is missing)"),
            problems("[stack]\nname = \"x\n"));
        assertEquals("bypass.conf:2: floats are not in bypass's TOML subset",
            problems("[stack]\nmax-connections = 1.5\n").get(0).replaceFirst("'1.5' is not an integer in TOML \\(no "
                + "leading zeros\\); ", ""));
        assertEquals(List.of("bypass.conf:1: inline tables are not in bypass's TOML subset: use a [table]"),
            problems("stack = {name = \"x\"}\n"));
    }

    @Test
    void structural_mistakes_are_explained() {
        assertEquals(List.of("bypass.conf:1: key 'name' is outside any table: put it under [stack], [eal], [services] or "
            + "[resource.NAME]"), problems("name = \"x\"\n"));
        assertEquals(List.of("bypass.conf: no resource: add a [resource.NAME] section (driver = \"tap\", address = "
            + "\"a.b.c.d/n\"), or give --address (and --driver)"), problems("[stack]\nname = \"x\"\n"));
        assertEquals(List.of("bypass.conf:4: [resource.r0] quues = 2: unknown key (did you mean queues?); see ./bypass "
            + "config --reference"), problems("[resource.r0]\ndriver = \"memory\"\naddress = \"198.18.0.2/24\"\nquues = 2\n"));
        assertTrue(problems("[stacks]\nname = \"x\"\n").get(0).startsWith("bypass.conf:2: unknown table [stacks]"));
        assertEquals("bypass.conf: [resource.r0] address is missing: address = \"a.b.c.d/n\" (or --address)",
            problems("[resource.r0]\ndriver = \"memory\"\n").get(0));
    }

    @Test
    void keys_of_another_driver_and_unknown_drivers_are_refused() {
        assertEquals(List.of("bypass.conf:4: [resource.r0] tap-name = bp0: only for driver tap (this resource's driver is "
            + "memory)"), problems("""
            [resource.r0]
            driver = "memory"
            address = "198.18.0.2/24"
            tap-name = "bp0"
            """));
        List<String> p = problems("[resource.r0]\ndriver = \"vmxnet\"\naddress = \"198.18.0.2/24\"\n");
        assertTrue(p.get(0).startsWith("bypass.conf:2: [resource.r0] driver = \"vmxnet\": no driver 'vmxnet': available "
            + "are tap, memory"), p::toString);
    }

    @Test
    void the_dpdk_driver_brings_its_own_keys() throws ConfigException {
        BypassConfig pci = ConfigLoader.parse("bypass.conf", "[resource.nic0]\ndriver = \"dpdk\"\n"
            + "address = \"198.18.0.2/24\"\ndevice = \"0000:03:00.0\"\n", List.of());
        assertEquals(List.of("nic0"), pci.resources().stream().map(BypassConfig.Resource::name).toList());
        BypassConfig veth = ConfigLoader.parse("bypass.conf", "[resource.r0]\ndriver = \"dpdk\"\n"
            + "address = \"198.18.0.2/24\"\naf-packet = \"veth0\"\nnetns = \"dut\"\n", List.of());
        assertEquals(List.of("r0"), veth.resources().stream().map(BypassConfig.Resource::name).toList());
        List<String> p = problems("[resource.nic0]\ndriver = \"dpdk\"\naddress = \"198.18.0.2/24\"\ndevise = \"x\"\n");
        assertEquals(1, p.size(), p::toString);
        assertTrue(p.get(0).startsWith("bypass.conf:4: [resource.nic0] devise = x: unknown key (did you mean device?)"),
            p::toString);
    }

    @Test
    void a_public_ip_of_its_own_is_answered_by_the_public_resource() throws ConfigException {
        BypassConfig c = ConfigLoader.parse("bypass.conf", """
            [stack]
            public-ip = "198.18.0.10"
            public-resource = "r1"
            [resource.r0]
            driver = "memory"
            address = "198.18.1.2/24"
            [resource.r1]
            driver = "memory"
            network = "other"
            address = "198.18.2.2/24"
            """, List.of());
        assertEquals(0, c.resources().get(0).stack().publicAddress());
        assertEquals(IpAddress.parse("198.18.0.10").v4(), c.resources().get(1).stack().publicAddress());
        assertEquals(IpAddress.parse("198.18.0.10").v4(), c.publicIp());
    }

    @Test
    void addresses_gateways_and_routes_must_fit_together() {
        assertEquals(List.of("bypass.conf:4: [resource.r0] gateway = 198.18.1.1: must be on resource r0's subnet "
            + "198.18.0.0/24"), problems("""
            [resource.r0]
            driver = "memory"
            address = "198.18.0.2/24"
            gateway = "198.18.1.1"
            """));
        assertEquals(List.of("bypass.conf:3: [stack] public-resource = \"r9\": no such resource (r0)"), problems("""
            [stack]
            public-ip = "198.18.0.9"
            public-resource = "r9"
            [resource.r0]
            driver = "memory"
            address = "198.18.0.2/24"
            """));
        assertEquals(List.of("bypass.conf:7: [resource.b] address = 198.18.0.2/24: resource a has this address already"),
            problems("""
            [resource.a]
            driver = "memory"
            address = "198.18.0.2/24"
            [resource.b]
            driver = "memory"
            network = "other"
            address = "198.18.0.2/24"
            """));
        assertTrue(problems("[resource.r0]\ndriver = \"memory\"\naddress = \"198.18.0.0/24\"\n").get(0)
            .endsWith("is the network or broadcast address of its subnet; a host address is needed"));
        assertEquals(List.of("bypass.conf:2: [stack] routes = [\"198.19.0.0/16 via 198.17.0.1\"]: the gateway of "
            + "198.19.0.0/16 via 198.17.0.1 must be on the subnet of a resource (r0 198.18.0.0/24)"),
            problems("[stack]\nroutes = [\"198.19.0.0/16 via 198.17.0.1\"]\n[resource.r0]\ndriver = \"memory\"\n"
                + "address = \"198.18.0.2/24\"\n"));
        assertTrue(problems("[stack]\nroutes = [\"0.0.0.0/0 via 198.18.0.1\"]\n[resource.r0]\ndriver = \"memory\"\n"
            + "address = \"198.18.0.2/24\"\n").get(0).endsWith("a default route (0.0.0.0/0) is set with the gateway key, "
            + "not in routes"));
    }

    @Test
    void bad_overrides_name_the_flag() {
        String file = "[resource.r0]\ndriver = \"memory\"\naddress = \"198.18.0.2/24\"\n";
        assertEquals(List.of("--set resource.r0.queues: [resource.r0] queues = 0: must be 1..64"),
            problems(file, overrideOf("resource.r0.queues=0")));
        assertEquals(List.of("--set stack.nmae: [stack] nmae = x: unknown key (did you mean name?); see ./bypass config "
            + "--reference"), problems(file, overrideOf("stack.nmae=x")));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.Override.parseSet("queues"));
        assertTrue(e.getMessage().startsWith("--set queues: must be section.key=value"));
        assertEquals(List.of("--mtu: applies to the only resource, but there are 2 (a, b): use --set resource.NAME.mtu=9000"),
            problems("[resource.a]\naddress = \"198.18.0.2/24\"\n[resource.b]\naddress = \"198.18.1.2/24\"\n",
                new ConfigLoader.Override(ConfigLoader.ONLY_RESOURCE, "mtu", "9000", "--mtu")));
    }

    @Test
    void pinning_two_resources_to_one_cpu_is_a_warning() throws Exception {
        BypassConfig c = ConfigLoader.parse("bypass.conf", """
            [resource.a]
            driver = "memory"
            address = "198.18.0.2/24"
            cpu = 1
            [resource.b]
            driver = "memory"
            address = "198.18.1.2/24"
            cpu = 1
            """, List.of());
        assertEquals(List.of("bypass.conf:8: [resource.b] cpu = 1: resource a is pinned to that CPU too; two poll threads "
            + "then share one core"), c.warnings());
    }

    @Test
    void the_committed_example_loads() throws Exception {
        BypassConfig c = ConfigLoader.load(EXAMPLE, List.of());
        assertEquals("tap-example", c.name());
        assertEquals("tap", c.resource("r0").driverType());
        assertEquals("bpns", c.resource("r0").settings().option("tap-netns", null));
        assertEquals(ConfigLoader.defaultCountersFile("tap-example"), c.countersFile());
    }

    /** What this parser accepts is TOML to Python's tomllib too, with the same values. */
    @Test
    void accepted_files_are_toml_to_another_parser() throws Exception {
        Environment.requireCommands("python3");
        String script = "import json, sys, tomllib\nprint(json.dumps(tomllib.loads(sys.stdin.read()), sort_keys=True))";
        for (String text : List.of(GOOD, ConfigLoader.parse("bypass.conf", GOOD, List.of()).effective(),
            java.nio.file.Files.readString(EXAMPLE))) {
            Process p = new ProcessBuilder("python3", "-c", script).redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                in.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            String json = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), json);
            assertTrue(json.contains("\"resource\": {\"") && json.contains("\"address\": \"198.18."), json);
        }
        Process p = new ProcessBuilder("python3", "-c", script).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(GOOD.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String json = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(json.contains("\"args\": [\"-l\", \"0-1\", \"--no-pci\"]"), json);
        assertTrue(json.contains("\"tap-name\": \"bp0\""), json);
        assertTrue(json.contains("\"receive-buffer\": 1048576"), json);
    }

    @Test
    void the_reference_lists_every_key_once() {
        String ref = ConfigKeys.reference();
        for (ConfigKey k : ConfigKeys.all()) {
            assertTrue(ref.contains("| `" + k.name() + "`"), k::path);
        }
        assertTrue(ref.contains("| `queues` | 1 | an integer 1..64 |"), ref);
    }

    private static ConfigLoader.Override overrideOf(String set) {
        try {
            return ConfigLoader.Override.parseSet(set);
        } catch (ConfigException e) {
            throw new AssertionError(e);
        }
    }
}
