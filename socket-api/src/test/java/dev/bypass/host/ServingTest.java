package dev.bypass.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.apps.BytePattern;
import dev.bypass.apps.ByteSource;
import dev.bypass.apps.HttpGet;
import dev.bypass.apps.TcpSender;
import dev.bypass.config.BypassConfig;
import dev.bypass.config.ConfigLoader;
import dev.bypass.nic.driver.MemoryDriver;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpError;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.MacAddress;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve}'s machinery without root: a resource on an in-memory switch, its services, its counters file;
 * a client stack of the test's own plugged into the same switch.
 */
class ServingTest {
    private static final AtomicInteger NETWORKS = new AtomicInteger();

    @TempDir
    Path tmp;

    /** A configuration of one memory resource on a switch of its own, 198.18.0.2/24, counters in tmp. */
    static BypassConfig config(String network, Path counters, String... extra) throws Exception {
        String text = """
            [stack]
            name = "serving-test"
            counters-file = "%s"
            [services]
            http-port = 8080
            [resource.r0]
            driver = "memory"
            network = "%s"
            address = "198.18.0.2/24"
            offloads = false
            """.formatted(counters, network) + String.join("\n", extra);
        return ConfigLoader.parse("test.conf", text, List.of());
    }

    /** A client stack at 198.18.0.N on the switch {@code network}. */
    static PollLoop client(String network, int host) {
        NetworkStack stack = new NetworkStack(StackConfig.builder().name("client").address("198.18.0." + host + "/24").build(),
            MemoryDriver.network(network).connect(InMemoryNicConfig.builder("client", MacAddress.local(0xC1_0000 + host))
                .build()));
        return PollLoop.start(stack, "client-" + host);
    }

    @Test
    void the_services_answer_and_the_counters_file_shows_it_growing() throws Exception {
        String network = "serving-" + NETWORKS.incrementAndGet();
        Path counters = tmp.resolve("serve.counters");
        try (Serving serving = Serving.start(config(network, counters));
             PollLoop client = client(network, 10)) {
            CountersFileReader reader = CountersFileReader.open(counters);
            assertEquals(CountersFileReader.Liveness.RUNNING, reader.liveness(System.currentTimeMillis()));
            assertTrue(reader.info().startsWith("bypass 'serving-test' pid " + ProcessHandle.current().pid()
                + "; r0 memory 198.18.0.2/24"), reader.info());
            Map<String, Long> before = read(reader);
            assertEquals(0L, before.get("r0: svc.http.requests"));
            assertEquals(0L, before.get("r0: tcp.passive_opens"));

            // HTTP: 1 MiB of the pattern
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            Endpoint server = Endpoint.of("198.18.0.2", 8080);
            HttpGet get = client.call(() -> HttpGet.start(client.stack(), server, "198.18.0.2:8080", "/bytes/1048576",
                body::write));
            HttpGet.Result r = get.completion().get(20, TimeUnit.SECONDS);
            assertTrue(r.ok(), r::toString);
            assertEquals(200, r.status());
            assertEquals(1048576, r.bodyBytes());
            assertEquals(1048576, r.contentLength());
            assertEquals(BytePattern.sha256Hex(1048576), r.sha256());
            assertEquals(1048576, body.size());

            // Device and service counters are copied in every millisecond: wait for the copy after the transfer.
            awaitCounter(reader, "r0: svc.http.body_bytes", 1048576);
            Map<String, Long> after = awaitCounter(reader, "r0: dev.tx_packets", read(reader).get("r0: eth.tx_frames"));
            assertEquals(1L, after.get("r0: svc.http.requests"));
            assertTrue(after.get("r0: eth.tx_frames") > before.get("r0: eth.tx_frames") + 700, after::toString);
            assertTrue(after.get("r0: dev.tx_packets") > 700, after::toString);
            assertEquals(1048576L, after.get("r0: svc.http.body_bytes"));
            assertTrue(after.get("r0: poll.duty_cycles") > before.get("r0: poll.duty_cycles"));

            // TCP echo: 200 kB back, byte-exact
            TcpSender echo = client.call(() -> TcpSender.start(client.stack(), Endpoint.of("198.18.0.2", 7),
                ByteSource.pattern(200_000)));
            TcpSender.Result e = echo.completion().get(20, TimeUnit.SECONDS);
            assertEquals(TcpError.NONE, e.error());
            assertEquals(200_000, e.receivedBytes());
            assertEquals(BytePattern.sha256Hex(200_000), e.receivedSha256());
            // discard: 300 kB in, nothing back
            TcpSender discard = client.call(() -> TcpSender.start(client.stack(), Endpoint.of("198.18.0.2", 9),
                ByteSource.pattern(300_000)));
            TcpSender.Result d = discard.completion().get(20, TimeUnit.SECONDS);
            assertEquals(TcpError.NONE, d.error());
            assertEquals(0, d.receivedBytes());

            Map<String, Long> last = awaitCounter(reader, "r0: svc.discard.bytes", 300_000);
            assertEquals(200_000L, last.get("r0: svc.tcp_echo.bytes"));
            assertEquals(3L, last.get("r0: tcp.passive_opens"));
            assertTrue(last.get("r0: eth.rx_frames") > after.get("r0: eth.rx_frames"));

            String banner = serving.banner();
            assertTrue(banner.contains("r0       memory 198.18.0.2/24"), banner);
            assertTrue(banner.contains("services: icmp echo (by the stack), http :8080, tcp echo :7, tcp discard :9, "
                + "udp echo :7"), banner);
        }
        CountersFileReader stopped = CountersFileReader.open(counters);
        assertEquals(CountersFileReader.Liveness.CLOSED, stopped.liveness(System.currentTimeMillis()));
        assertEquals(2L, read(stopped).get("r0: svc.http.connections") + read(stopped).get("r0: svc.tcp_echo.connections"));
    }

    @Test
    void a_counters_file_in_use_by_a_live_process_is_not_taken_over() throws Exception {
        String network = "serving-" + NETWORKS.incrementAndGet();
        Path counters = tmp.resolve("busy.counters");
        try (Serving first = Serving.start(config(network, counters))) {
            assertNotNull(first);
            // Another process "owns" the file: pid 1 is alive and the heartbeat is fresh.
            try (var ch = java.nio.channels.FileChannel.open(counters, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder()).putLong(0, 1L),
                    CountersFile.PID_OFFSET);
            }
            HostRuntime.StartException e = org.junit.jupiter.api.Assertions.assertThrows(HostRuntime.StartException.class,
                () -> Serving.start(config("serving-" + NETWORKS.incrementAndGet(), counters)));
            assertTrue(e.getMessage().contains("is in use by process 1"), e::getMessage);
        }
    }

    @Test
    void a_resource_that_cannot_open_is_named_with_its_line() throws Exception {
        BypassConfig c = config("serving-" + NETWORKS.incrementAndGet(), tmp.resolve("x.counters"), "mtu = 20000");
        HostRuntime.StartException e = org.junit.jupiter.api.Assertions.assertThrows(HostRuntime.StartException.class,
            () -> HostRuntime.open(c));
        assertEquals("test.conf:11: [resource.r0] mtu = 20000: must be 68..9216 for an in-memory NIC (driver memory)",
            e.getMessage());
    }

    @Test
    void a_pinned_poll_thread_runs_on_its_cpu_only() throws Exception {
        BypassConfig c = config("serving-" + NETWORKS.incrementAndGet(), tmp.resolve("pin.counters"), "cpu = 0");
        try (HostRuntime runtime = HostRuntime.open(c)) {
            HostRuntime.Resource r = runtime.resource("r0");
            assertEquals("0", r.loop().call(CpuAffinity::allowedCpus));
        }
        BypassConfig absent = config("serving-" + NETWORKS.incrementAndGet(), tmp.resolve("pin2.counters"), "cpu = 1000");
        HostRuntime.StartException e = org.junit.jupiter.api.Assertions.assertThrows(HostRuntime.StartException.class,
            () -> HostRuntime.open(absent));
        assertTrue(e.getMessage().startsWith("resource r0: cannot pin to cpu 1000: sched_setaffinity failed with EINVAL"),
            e::getMessage);
    }

    static Map<String, Long> read(CountersFileReader reader) {
        Map<String, Long> values = new HashMap<>();
        reader.counters().forEach((value, id, label) -> values.put(label, value));
        return values;
    }

    /** Reads until {@code label} reaches {@code atLeast} (the device and service counters lag up to 1 ms). */
    static Map<String, Long> awaitCounter(CountersFileReader reader, String label, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Map<String, Long> values = read(reader);
        while (values.getOrDefault(label, 0L) < atLeast && System.nanoTime() - deadline < 0) {
            Thread.sleep(5);
            values = read(reader);
        }
        assertTrue(values.getOrDefault(label, 0L) >= atLeast, () -> label + " did not reach " + atLeast + ": " + read(reader));
        return values;
    }
}
