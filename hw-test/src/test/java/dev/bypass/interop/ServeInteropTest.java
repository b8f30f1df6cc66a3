package dev.bypass.interop;

import static dev.bypass.interop.KernelTools.awaitListening;
import static dev.bypass.interop.KernelTools.rttLine;
import static dev.bypass.interop.KernelTools.sha256;
import static dev.bypass.interop.KernelTools.writePattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.apps.BytePattern;
import dev.bypass.cli.Main;
import dev.bypass.testing.Environment;
import dev.bypass.testing.netns.NetNs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The commands against the Linux kernel, each on a TAP resource whose kernel side the command itself moves into
 * a namespace the test made ({@code tap-netns}, {@code tap-peer}): {@code serve} in a child JVM (under Epsilon GC,
 * so an allocation per packet would exhaust its heap) answering the kernel's ping, curl, nc and a UDP client,
 * read by {@code stat} and stopped by SIGTERM; {@code get} from {@code python3 -m http.server}; {@code send}
 * to {@code nc}. Addresses only from 198.18.0.0/15, no default route, everything removed afterwards.
 */
class ServeInteropTest {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicInteger SUBNETS = new AtomicInteger(100);
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    @BeforeEach
    void requireKernel() {
        Environment.requireNetworkNamespaces();
    }

    @AfterAll
    static void nothing_is_left_behind() {
        NetNs.assertNothingLeftBehind();
    }

    record Run(int code, String out, String err) {
    }

    /** The command line, in this JVM. */
    static Run bypass(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** A configuration with one TAP resource 198.18.X.2/24 whose kernel side is 198.18.X.1/24 in {@code ns}. */
    private Path tapConfig(NetNs ns, int subnet, String name) throws IOException {
        return Files.writeString(tmp.resolve(name + ".conf"), """
            [stack]
            name = "%s"
            counters-file = "%s"

            [services]
            http-port = 80

            [resource.r0]
            driver = "tap"
            address = "198.18.%d.2/24"
            tap-name = "%s"
            tap-netns = "%s"
            tap-peer = "198.18.%d.1/24"
            """.formatted(name, tmp.resolve(name + ".counters"), subnet, NetNs.uniqueLinkName("bps"), ns.name(), subnet));
    }

    @Test
    void serve_answers_ping_curl_nc_and_udp_is_read_by_stat_and_stops_on_sigterm() throws Exception {
        Environment.requireCommands("ping", "curl", "nc", "sha256sum", "bash", "python3");
        int x = SUBNETS.getAndIncrement();
        String ip = "198.18." + x + ".2";
        try (NetNs ns = NetNs.create("serve")) {
            Path conf = tapConfig(ns, x, "serve-it-" + ProcessHandle.current().pid());
            Path counters = tmp.resolve("serve-it-" + ProcessHandle.current().pid() + ".counters");
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            // Epsilon: no garbage collection at all, and its heap figures logged (-Xlog:gc). Start-up takes some
            // 30 MB; the traffic below (some 190,000 frames out) may add little more than the summary at the end.
            List<String> command = List.of(java.toString(), "-XX:+UnlockExperimentalVMOptions", "-XX:+UseEpsilonGC",
                "-Xms64m", "-Xmx64m", "-Xlog:gc", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.bypass.cli.Main",
                "serve", "--config", conf.toString());
            Process serve = new ProcessBuilder(command).redirectErrorStream(true).start();
            StringBuffer output = new StringBuffer();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(serve.getInputStream(),
                    StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        output.append(line).append('\n');
                    }
                } catch (IOException e) {
                    output.append("(output lost: ").append(e).append(")\n");
                }
            });
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!output.toString().contains("\nready;") && serve.isAlive() && System.nanoTime() - deadline < 0) {
                    Thread.sleep(20);
                }
                assertTrue(output.toString().contains("\nready;"), () -> "serve did not start:\n" + output);
                assertTrue(output.toString().contains("kernel side '" + "bps"), output::toString);
                assertTrue(output.toString().contains("up in netns " + ns.name() + " with 198.18." + x + ".1/24"),
                    output::toString);

                NetNs.Result ping = ns.exec(COMMAND_TIMEOUT, "ping", "-c", "10", "-i", "0.05", "-W", "2", ip);
                assertTrue(ping.ok() && ping.stdout().contains(" 10 received, 0% packet loss"), () -> ping + "\n" + output);

                NetNs.Result curl = ns.exec(COMMAND_TIMEOUT, "bash", "-c", "set -o pipefail; curl -sS --fail -o - -w "
                    + "'%{stderr}%{speed_download}' http://" + ip + "/bytes/1048576 | sha256sum");
                assertTrue(curl.ok(), () -> curl + "\n" + output);
                assertEquals(BytePattern.sha256Hex(1048576) + "  -", curl.stdout().strip(), () -> curl + "\n" + output);

                // 256 MiB more over keep-alive: some 190,000 frames out, for Epsilon's sake.
                NetNs.Result big = ns.exec(COMMAND_TIMEOUT, "curl", "-sS", "--fail", "-w",
                    "%{size_download} %{num_connects}\\n", "-o", "/dev/null", "http://" + ip + "/bytes/134217728", "-o",
                    "/dev/null", "http://" + ip + "/bytes/134217728");
                assertTrue(big.ok() && big.stdout().equals("134217728 1\n134217728 0\n"), () -> big + "\n" + output);

                Path in = writePattern(tmp.resolve("echo-in.bin"), MIB);
                Path back = tmp.resolve("echo-back.bin");
                NetNs.Result nc = ns.exec(COMMAND_TIMEOUT, "sh", "-c", "exec nc -N " + ip + " 7 < " + in + " > " + back);
                assertTrue(nc.ok(), () -> nc + "\n" + output);
                assertEquals(sha256(in), sha256(back));

                NetNs.Result udp = ns.exec(COMMAND_TIMEOUT, "python3", "-c", """
                    import socket, sys
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.settimeout(2)
                    data = bytes(range(256)) * 12
                    s.sendto(data, (sys.argv[1], 7))
                    print("ok" if s.recv(70000) == data else "differs")
                    """, ip);
                assertEquals("ok\n", udp.stdout(), () -> udp + "\n" + output);

                // stat, from this process, over the child's counters file (the services' counters are copied in
                // every millisecond: read again until the last datagram's echo shows)
                Run stat = bypass("stat", "--once", "--file", counters.toString(), "--filter", "svc\\.|icmp.out_echo|dev.tx");
                for (int i = 0; i < 20 && counter(stat.out(), "r0: svc.udp_echo.datagrams") < 1; i++) {
                    Thread.sleep(50);
                    stat = bypass("stat", "--once", "--file", counters.toString(), "--filter", "svc\\.|icmp.out_echo|dev.tx");
                }
                Run shown = stat;
                assertEquals(0, shown.code(), shown::toString);
                assertTrue(shown.out().contains(" - running, up "), shown::out);
                assertEquals(3L, counter(shown.out(), "r0: svc.http.requests"), shown::out);
                assertEquals(10L, counter(shown.out(), "r0: icmp.out_echo_reps"), shown::out);
                assertEquals(MIB, counter(shown.out(), "r0: svc.tcp_echo.bytes"), shown::out);
                assertEquals(1L, counter(shown.out(), "r0: svc.udp_echo.datagrams"), shown::out);
                assertTrue(counter(shown.out(), "r0: dev.tx_packets") > 180_000, shown::out);

                serve.toHandle().destroy(); // SIGTERM to the process this test started (keeps its output open)
                assertTrue(serve.waitFor(20, TimeUnit.SECONDS), () -> "serve did not stop on SIGTERM:\n" + output);
                reader.join(5_000);
                assertEquals(0, serve.exitValue(), output::toString);
                String all = output.toString();
                assertTrue(all.contains("bypass serve: stopped (SIGTERM) after "), all);
                assertTrue(all.matches("(?s).*\n  r0 198\\.18\\.\\d+\\.2/24: frames in \\d+, out \\d+; TCP connections 3 "
                    + "\\(passive 3\\); HTTP requests 3; ping replies 10; frames dropped 0\n.*"), all);
                assertFalse(all.contains("OutOfMemoryError"), all);
                long grownKiB = heapUsedKiB(all) - heapUsedKiB(all.substring(0, all.indexOf("\nready;")));
                assertTrue(grownKiB < 8 * 1024, () -> "the heap grew by " + grownKiB + " KiB while serving:\n" + all);
                Run after = bypass("stat", "--once", "--file", counters.toString(), "--filter", "http.requests");
                assertTrue(after.out().contains("final values"), after::out);
                // The TAP went with the process: nothing but lo is left in the namespace.
                NetNs.Result links = ns.exec("ip", "-o", "link", "show");
                assertEquals(1, links.stdout().lines().count(), links::toString);
                System.out.printf(Locale.ROOT, "[interop] serve under Epsilon GC: ping %s; curl 1 MiB at %.1f MB/s, sha256 "
                    + "equal; 256 MiB more; nc echo 1 MiB; udp echo; heap grew %d KiB in all%n", rttLine(ping),
                    Double.parseDouble(curl.stderr().strip()) / 1e6, grownKiB);
            } finally {
                if (serve.isAlive()) {
                    serve.destroyForcibly();
                    serve.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    void get_fetches_a_file_from_python_http_server_byte_exact() throws Exception {
        Environment.requireCommands("python3");
        int x = SUBNETS.getAndIncrement();
        long length = 4 * MIB + 17;
        Path www = Files.createDirectory(tmp.resolve("www"));
        Path blob = writePattern(www.resolve("blob.bin"), length);
        try (NetNs ns = NetNs.create("get")) {
            // Bound to every address of the namespace: 198.18.X.1 comes with the TAP that get creates.
            ns.start("python3", "-m", "http.server", "8000", "--bind", "0.0.0.0", "--directory", www.toString());
            awaitListening(ns, 8000);
            Path conf = tapConfig(ns, x, "get-it-" + ProcessHandle.current().pid());
            Path out = tmp.resolve("fetched.bin");
            Run get = bypass("get", "http://198.18." + x + ".1:8000/blob.bin", "--out", out.toString(), "--config",
                conf.toString());

            assertEquals(0, get.code(), get::toString);
            assertEquals(sha256(blob), sha256(out));
            assertTrue(get.out().contains("status      200 OK\n"), get::out);
            assertTrue(get.out().contains("bytes       " + length + " (Content-Length " + length + ")\n"), get::out);
            assertTrue(get.out().contains("sha256      " + sha256(blob) + "\n"), get::out);

            Run missing = bypass("get", "http://198.18." + x + ".1:8000/none.bin", "--sha256", "--config", conf.toString());
            assertEquals(1, missing.code(), missing::toString);
            assertTrue(missing.out().contains("status      404 File not found\n"), missing::out);
            System.out.println("[interop] get from python http.server: " + get.out().lines()
                .filter(l -> l.startsWith("throughput")).findFirst().orElse(""));
        }
    }

    @Test
    void send_delivers_its_bytes_to_kernel_nc_with_the_sha256_it_prints() throws Exception {
        Environment.requireCommands("nc", "sh");
        int x = SUBNETS.getAndIncrement();
        long length = 16 * MIB + 3;
        Path received = tmp.resolve("nc.bin");
        try (NetNs ns = NetNs.create("send")) {
            NetNs.Background nc = ns.start("sh", "-c", "exec nc -l -p 9000 -s 0.0.0.0 < /dev/null > " + received);
            awaitListening(ns, 9000);
            Path conf = tapConfig(ns, x, "send-it-" + ProcessHandle.current().pid());
            Run send = bypass("send", "198.18." + x + ".1:9000", "--bytes", Long.toString(length), "--config",
                conf.toString());
            NetNs.Result exit = nc.await(Duration.ofSeconds(10));

            assertEquals(0, send.code(), send::toString);
            assertTrue(exit.ok(), exit::toString);
            assertEquals(length, Files.size(received));
            String sha = BytePattern.sha256Hex(length);
            assertEquals(sha, sha256(received));
            assertTrue(send.out().contains("sha256      " + sha + "\n"), send::out);
            assertTrue(send.out().contains("sent        " + length + " of " + length + "\n"), send::out);
            System.out.println("[interop] send 16 MiB to nc: " + send.out().lines()
                .filter(l -> l.startsWith("throughput")).findFirst().orElse(""));
        }
    }

    private static long counter(String statOut, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(label) + " +(\\d+)").matcher(statOut);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * The heap in use by Epsilon's log ({@code [gc] Heap: ... 26251K (53.41%) used}): the last figure in
     * {@code text} (Epsilon logs one every 5 % of the heap, and one at exit).
     */
    private static long heapUsedKiB(String text) {
        Matcher m = Pattern.compile("Heap: .* (\\d+)K \\([\\d.]+%\\) used").matcher(text);
        long used = -1;
        while (m.find()) {
            used = Long.parseLong(m.group(1));
        }
        assertTrue(used > 0, () -> "no Epsilon heap figure in:\n" + text);
        return used;
    }
}
