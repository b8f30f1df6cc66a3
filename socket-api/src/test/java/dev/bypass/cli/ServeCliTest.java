package dev.bypass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.apps.BytePattern;
import dev.bypass.config.ConfigKeys;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * serve, stat, get, send and config through the command line, in this JVM, on an in-memory switch (no root):
 * serve runs in a thread; get and send plug resources of their own into the same switch.
 */
class ServeCliTest {
    private static final AtomicInteger NETWORKS = new AtomicInteger();

    @TempDir
    Path tmp;

    /** A run of the command line with its own output writers (thread-safe, unlike swapping System.out). */
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void serve_answers_get_and_send_while_stat_reads_its_counters_then_stops_cleanly() throws Exception {
        String network = "cli-" + NETWORKS.incrementAndGet();
        Path conf = Files.writeString(tmp.resolve("serve.conf"), """
            [stack]
            name = "cli-test"
            counters-file = "%s"
            [services]
            http-port = 8080
            udp-echo = false
            [resource.r0]
            driver = "memory"
            network = "%s"
            address = "198.18.0.2/24"
            """.formatted(tmp.resolve("serve.counters"), network));
        StringWriter serveOut = new StringWriter();
        StringWriter serveErr = new StringWriter();
        CompletableFuture<Integer> serve = CompletableFuture.supplyAsync(() -> {
            CommandLine cli = new CommandLine(new Main());
            cli.setOut(new PrintWriter(serveOut, true));
            cli.setErr(new PrintWriter(serveErr, true));
            return cli.execute("serve", "--config", conf.toString(), "--duration", "60s");
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!serveOut.toString().contains("\nready") && System.nanoTime() - deadline < 0 && !serve.isDone()) {
            Thread.sleep(10);
        }
        assertTrue(serveOut.toString().contains("\nready; SIGINT (Ctrl-C) or SIGTERM stops"), () -> serveOut + "\n" + serveErr);
        String banner = serveOut.toString();
        assertTrue(banner.startsWith("bypass serve: 'cli-test', pid " + ProcessHandle.current().pid() + ", 1 resource\n"),
            banner);
        assertTrue(banner.contains("services: icmp echo (by the stack), http :8080, tcp echo :7, tcp discard :9\n"), banner);
        assertTrue(banner.contains("counters: " + tmp.resolve("serve.counters")), banner);

        // get, as a second resource on the same switch
        String client = "--driver=memory --set=resource.r0.network=" + network + " --counters-file=none";
        Run get = run(("get http://198.18.0.2:8080/bytes/100000 --sha256 --address 198.18.0.20/24 " + client).split(" "));
        assertEquals(0, get.code(), get::toString);
        assertTrue(get.out().contains("status      200 OK\n"), get::out);
        assertTrue(get.out().contains("bytes       100000 (Content-Length 100000)\n"), get::out);
        assertTrue(get.out().contains("sha256      " + BytePattern.sha256Hex(100_000) + "\n"), get::out);
        assertTrue(get.out().matches("(?s).*throughput  [0-9.]+ MB/s \\([0-9]+ Mbit/s\\)\n.*"), get::out);

        Path body = tmp.resolve("body.bin");
        Run toFile = run(("get http://198.18.0.2:8080/bytes/5000 --out " + body + " --address 198.18.0.21/24 " + client)
            .split(" "));
        assertEquals(0, toFile.code(), toFile::toString);
        assertEquals(5000, Files.size(body));

        Run missing = run(("get http://198.18.0.2:8080/nothing --sha256 --address 198.18.0.22/24 " + client).split(" "));
        assertEquals(1, missing.code(), missing::toString);
        assertTrue(missing.out().contains("status      404 Not Found\n"), missing::out);

        // send: to the echo service, what comes back is what went
        Run send = run(("send 198.18.0.2:7 --bytes 256k --address 198.18.0.23/24 " + client).split(" "));
        assertEquals(0, send.code(), send::toString);
        String sha = BytePattern.sha256Hex(256 * 1024);
        assertTrue(send.out().contains("sent        262144 of 262144\n"), send::out);
        assertTrue(send.out().contains("sha256      " + sha + "\n"), send::out);
        assertTrue(send.out().contains("received    262144 bytes, sha256 " + sha + "\n"), send::out);
        assertTrue(send.out().contains("end         both sides closed in order\n"), send::out);

        // stat: once, filtered, from the counters file of the running serve
        Run stat = run("stat", "--once", "--file", tmp.resolve("serve.counters").toString(), "--filter", "svc\\.http|passive");
        assertEquals(0, stat.code(), stat::toString);
        assertTrue(stat.out().startsWith("bypass 'cli-test' pid " + ProcessHandle.current().pid()
            + "; r0 memory 198.18.0.2/24 - running, up "), stat::out);
        assertEquals("3", counter(stat.out(), "r0: svc.http.requests"), stat::out);
        assertEquals("4", counter(stat.out(), "r0: tcp.passive_opens"), stat::out);
        assertTrue(!stat.out().contains("eth.rx_frames"), "the filter leaves the rest out");
        // live: two refreshes, the second with rates
        Run live = run("stat", "--count", "2", "--interval", "200ms", "--no-clear", "--file",
            tmp.resolve("serve.counters").toString(), "--filter", "poll.duty");
        assertEquals(0, live.code(), live::toString);
        assertTrue(live.out().matches("(?s).*\nr0: poll.duty_cycles +\\d+ +\\d+(\\.\\d)?[kMG]?\n$"), live::out);

        // SIGTERM to this JVM: serve's handler (installed before "ready") stops it cleanly, exit status 0.
        sun.misc.Signal.raise(new sun.misc.Signal("TERM"));
        assertEquals(0, serve.get(20, TimeUnit.SECONDS), () -> serveOut + "\n" + serveErr);
        assertTrue(serveOut.toString().contains("bypass serve: stopped (SIGTERM) after "), serveOut::toString);
        assertTrue(serveOut.toString().matches("(?s).*\n  r0 198.18.0.2/24: frames in \\d+, out \\d+; TCP connections 4 "
            + "\\(passive 4\\); HTTP requests 3; .*"), serveOut::toString);
        assertTrue(serveErr.toString().isEmpty(), serveErr::toString);
    }

    @Test
    void serve_stops_after_its_duration_and_prints_the_counters() {
        String network = "cli-" + NETWORKS.incrementAndGet();
        Run serve = run("serve", "--driver", "memory", "--set", "resource.r0.network=" + network, "--address",
            "198.18.0.2/24", "--counters-file", "none", "--duration", "300ms", "--set", "services.http=false");
        assertEquals(0, serve.code(), serve::toString);
        assertTrue(serve.out().contains("services: icmp echo (by the stack), tcp echo :7, tcp discard :9, udp echo :7\n"),
            serve::out);
        assertTrue(serve.out().contains("counters: none"), serve::out);
        assertTrue(serve.out().contains("bypass serve: stopped (duration over) after "), serve::out);
        assertTrue(serve.out().matches("(?s).*\n  r0 198.18.0.2/24: frames in \\d+, out [1-9]\\d*; TCP connections 0 .*"),
            serve::out);
        assertTrue(serve.out().contains("arp.tx_requests"), "the gratuitous ARP: " + serve.out());
    }

    @Test
    void configuration_errors_exit_2_with_every_problem() throws Exception {
        Path conf = Files.writeString(tmp.resolve("bad.conf"), """
            [resource.r0]
            driver = "memory"
            address = "198.18.0.2/24"
            queues = -1
            """);
        Run r = run("serve", "--config", conf.toString(), "--mtu", "9");
        assertEquals(2, r.code(), r::toString);
        assertEquals("bypass serve: configuration errors:\n  " + conf + ":4: [resource.r0] queues = -1: must be 1..64\n"
            + "  --mtu: [resource.r0] mtu = 9: must be 68..65535\n", r.err());
    }

    @Test
    void a_dpdk_resource_without_a_port_is_refused_naming_the_keys_to_give() {
        Run r = run("serve", "--driver", "dpdk", "--address", "198.18.0.2/24", "--counters-file", "none");
        assertTrue(r.code() != 0, r::toString);
        assertTrue(r.err().contains("give exactly one of af-packet"), r::err);
    }

    @Test
    void config_prints_the_effective_configuration_and_the_reference() throws Exception {
        Path conf = Files.writeString(tmp.resolve("c.conf"), """
            [resource.r0]
            driver = "memory"
            address = "198.18.0.2/24"
            """);
        Run c = run("config", "--config", conf.toString(), "--set", "stack.idle=yield");
        assertEquals(0, c.code(), c::toString);
        assertTrue(c.out().contains("idle = \"yield\"  # --set stack.idle\n"), c::out);
        assertTrue(c.out().contains("address = \"198.18.0.2/24\"  # " + conf + ":3\n"), c::out);
        assertTrue(c.out().contains("# mtu = 1500\n"), c::out);

        Run ref = run("config", "--reference");
        assertEquals(0, ref.code());
        assertTrue(ref.out().startsWith(ConfigKeys.reference()), ref::out);
        assertTrue(ref.out().contains("  tap: TAP interface towards the Linux kernel"), ref::out);
        assertTrue(ref.out().contains("  dpdk: a NIC driven by DPDK"), ref::out);
    }

    @Test
    void the_readme_holds_the_reference_the_registry_makes() throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        assertTrue(text.contains(ConfigKeys.reference()), "README.md's configuration reference is out of date: paste the "
            + "output of ./bypass config --reference (the tables) into it");
    }

    private static String counter(String statOut, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(label) + " +(\\d+)").matcher(statOut);
        return m.find() ? m.group(1) : null;
    }
}
