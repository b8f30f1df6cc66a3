package dev.bypass.interop;

import static dev.bypass.interop.KernelTools.awaitListening;
import static dev.bypass.interop.KernelTools.rttLine;
import static dev.bypass.interop.KernelTools.sha256;
import static dev.bypass.interop.KernelTools.startCapture;
import static dev.bypass.interop.KernelTools.writePattern;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.apps.BytePattern;
import dev.bypass.apps.ByteSource;
import dev.bypass.apps.DiscardServer;
import dev.bypass.apps.EchoServer;
import dev.bypass.apps.HttpServer;
import dev.bypass.apps.TcpSender;
import dev.bypass.apps.UdpEchoServer;
import dev.bypass.nic.tap.TapCounter;
import dev.bypass.stack.TcpError;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.CaptureCheck;
import dev.bypass.testing.Environment;
import dev.bypass.testing.netns.NetNs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bypass against the real Linux kernel: the stack on a TAP device, the kernel's own TCP/IP and its tools
 * (ping, curl, nc, python, tcpdump) on the other side, in a network namespace each test creates and
 * deletes. Addresses only from 198.18.0.0/15; no default route anywhere. Needs root, /dev/net/tun and
 * the tools: skips locally without them and fails in CI ({@link Environment}).
 *
 * <p>Each test prints its figures (ping round trips, curl throughput) to stdout.
 */
class KernelInteropTest {
    private static final int HTTP_PORT = 8080;
    private static final int SINK_PORT = 9000;
    private static final int ECHO_PORT = 7;
    private static final int KERNEL_PORT = 9100;
    private static final int UDP_ECHO_PORT = 7;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
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

    // ============================================================================================ a. ping

    @Test
    void kernel_pings_bypass_without_loss() throws Exception {
        Environment.requireCommands("ping");
        try (BypassOnTap bypass = BypassOnTap.open()) {
            NetNs.Result ping = bypass.kernel().exec(COMMAND_TIMEOUT, "ping", "-c", "20", "-i", "0.05", "-W", "2",
                bypass.ip());

            assertTrue(ping.ok() && ping.stdout().contains(" 20 received, 0% packet loss"),
                () -> ping + bypass.diagnostics());
            assertEquals(20, bypass.counter(Counter.ICMP_OUT_ECHO_REPS), bypass::diagnostics);
            System.out.println("[interop] ping -c 20 -i 0.05: " + rttLine(ping));
        }
    }

    @Test
    void large_pings_are_fragmented_and_reassembled_both_ways() throws Exception {
        Environment.requireCommands("ping");
        try (BypassOnTap bypass = BypassOnTap.open()) {
            // 4000 bytes of data: a 4028-byte datagram, three fragments at MTU 1500 each way.
            NetNs.Result ping = bypass.kernel().exec(COMMAND_TIMEOUT, "ping", "-c", "3", "-i", "0.05", "-W", "2",
                "-s", "4000", bypass.ip());

            assertTrue(ping.ok() && ping.stdout().contains(" 3 received, 0% packet loss"),
                () -> ping + bypass.diagnostics());
            assertTrue(ping.stdout().contains("4008 bytes from " + bypass.ip()), () -> "reply size: " + ping);
            assertEquals(3, bypass.counter(Counter.IP_REASM_OKS), () -> "requests reassembled" + bypass.diagnostics());
            assertEquals(3, bypass.counter(Counter.IP_FRAG_OKS), () -> "replies fragmented" + bypass.diagnostics());
            assertEquals(9, bypass.counter(Counter.IP_FRAG_CREATES), () -> "fragments sent" + bypass.diagnostics());
            System.out.println("[interop] ping -s 4000 (3 fragments each way): " + rttLine(ping));
        }
    }

    // ============================================================================================ b. curl

    @Test
    void curl_downloads_10_MiB_byte_exact() throws Exception {
        Environment.requireCommands("curl", "sha256sum", "bash");
        long length = 10 * MIB;
        try (BypassOnTap bypass = BypassOnTap.open()) {
            HttpServer http = bypass.call(() -> HttpServer.start(bypass.stack(), HTTP_PORT));
            String url = "http://" + bypass.ip() + ":" + HTTP_PORT + HttpServer.BYTES_PATH + length;
            NetNs.Result curl = bypass.kernel().exec(COMMAND_TIMEOUT, "bash", "-c", "set -o pipefail; curl -sS --fail "
                + "-o - -w '%{stderr}%{speed_download} %{time_total} %{size_download}' " + url + " | sha256sum");

            assertTrue(curl.ok(), () -> curl + bypass.diagnostics());
            assertEquals(BytePattern.sha256Hex(length) + "  -", curl.stdout().strip(),
                () -> curl + bypass.diagnostics());
            String[] figures = curl.stderr().strip().split(" ");
            assertEquals(Long.toString(length), figures[2], "size_download");
            assertEquals(length, (long) bypass.call(http::bodyBytes));
            System.out.printf(Locale.ROOT, "[interop] curl 10 MiB from bypass: %.1f MB/s (%s s)%n",
                Double.parseDouble(figures[0]) / 1e6, figures[1]);
        }
    }

    @Test
    void curl_reuses_one_connection_for_several_requests() throws Exception {
        Environment.requireCommands("curl");
        try (BypassOnTap bypass = BypassOnTap.open()) {
            HttpServer http = bypass.call(() -> HttpServer.start(bypass.stack(), HTTP_PORT));
            String base = "http://" + bypass.ip() + ":" + HTTP_PORT;
            String[] paths = {"/bytes/1000000", "/", "/missing", "/bytes/12345"};
            Path[] files = new Path[paths.length];
            List<String> command = new ArrayList<>(List.of("curl", "-sS", "-w",
                "%{num_connects} %{http_code} %{size_download}\\n"));
            for (int i = 0; i < paths.length; i++) {
                files[i] = tmp.resolve("body" + i);
                command.addAll(List.of("-o", files[i].toString(), base + paths[i]));
            }
            NetNs.Result curl = bypass.kernel().exec(COMMAND_TIMEOUT, command.toArray(String[]::new));

            assertTrue(curl.ok(), () -> curl + bypass.diagnostics());
            assertEquals(List.of("1 200 1000000", "0 200 " + HttpServer.INDEX_TEXT.length(), "0 404 10", "0 200 12345"),
                curl.stdout().lines().toList(), () -> "connects, status and size per request: " + curl);
            assertEquals(BytePattern.sha256Hex(1_000_000), sha256(files[0]));
            assertEquals(HttpServer.INDEX_TEXT, Files.readString(files[1], US_ASCII));
            assertEquals(BytePattern.sha256Hex(12_345), sha256(files[3]));
            assertEquals(1L, (long) bypass.call(http::acceptedConnections), "one TCP connection for four requests");
            assertEquals(4L, (long) bypass.call(http::requests));
        }
    }

    @Test
    void forty_parallel_downloads_lose_no_frame_on_the_way_out() throws Exception {
        Environment.requireCommands("curl");
        // A transmit queue of 64 frames, as a NIC with a short ring: the stack must flush before it overflows.
        try (BypassOnTap bypass = BypassOnTap.open(tap -> tap.withTxQueueFrames(64), false)) {
            HttpServer http = bypass.call(() -> HttpServer.start(bypass.stack(), HTTP_PORT));
            // 60 objects of 1000..60000 bytes over up to 40 connections at once: each answer is a burst of up
            // to ten segments (the initial window), so one poll that reads several requests sends hundreds of
            // frames.
            NetNs.Result curl = bypass.kernel().exec(COMMAND_TIMEOUT, "curl", "-sS", "--parallel", "--parallel-max",
                "40", "-o", "/dev/null", "-w", "%{http_code} %{size_download}\\n",
                "http://" + bypass.ip() + ":" + HTTP_PORT + HttpServer.BYTES_PATH + "[1-60]000");

            assertTrue(curl.ok(), () -> curl + bypass.diagnostics());
            List<String> expected = IntStream.rangeClosed(1, 60).mapToObj(i -> "200 " + i * 1000)
                .sorted().toList();
            assertEquals(expected, curl.stdout().lines().sorted().toList(), () -> curl + bypass.diagnostics());
            assertEquals(60L, (long) bypass.call(http::requests));
            assertEquals(0, bypass.deviceCounter(TapCounter.TX_QUEUE_FULL),
                () -> "frames the TAP's transmit queue had no room for" + bypass.diagnostics());
            // No frame lost: a retransmission may only be a tail-loss probe sent while the kernel delayed its ACK
            // (an answer ending in a super-segment of two gets Linux's short probe timeout, 2 * SRTT + 2 ms), and
            // the kernel must report each one as a duplicate (D-SACK): the original had arrived.
            long retransmitted = bypass.counter(Counter.TCP_RETRANS_SEGS);
            assertEquals(retransmitted, bypass.counter(Counter.TCP_DSACKS_RECEIVED),
                () -> "every retransmission was a duplicate at the kernel" + bypass.diagnostics());
        }
    }

    // ============================================================================================ c. nc

    @Test
    void kernel_nc_sends_8_MiB_to_a_bypass_sink() throws Exception {
        Environment.requireCommands("nc", "sh");
        long length = 8 * MIB;
        Path file = writePattern(tmp.resolve("send.bin"), length);
        try (BypassOnTap bypass = BypassOnTap.open()) {
            DiscardServer sink = bypass.call(() -> DiscardServer.start(bypass.stack(), SINK_PORT));
            // -N: shut the socket down for writing at the end of the file, then wait for the sink's FIN.
            NetNs.Result nc = bypass.kernel().exec(COMMAND_TIMEOUT, "sh", "-c",
                "exec nc -N " + bypass.ip() + " " + SINK_PORT + " < " + file);

            assertTrue(nc.ok(), () -> nc + bypass.diagnostics());
            DiscardServer.Transfer t = sink.awaitTransfer(Duration.ofSeconds(10));
            assertNotNull(t, () -> "the sink saw no finished connection" + bypass.diagnostics());
            assertEquals(TcpError.NONE, t.error(), bypass::diagnostics);
            assertEquals(length, t.bytes(), bypass::diagnostics);
            assertEquals(sha256(file), t.sha256());
            assertEquals(BytePattern.sha256Hex(length), t.sha256());
        }
    }

    @Test
    void bypass_sends_8_MiB_to_kernel_nc() throws Exception {
        Environment.requireCommands("nc", "sh");
        try (BypassOnTap bypass = BypassOnTap.open()) {
            assertSendsToNcByteExact(bypass, bypass.kernel(), bypass.kernelIp(), 8 * MIB);
        }
    }

    @Test
    void kernel_nc_gets_its_2_MiB_echoed_back() throws Exception {
        Environment.requireCommands("nc", "sh");
        long length = 2 * MIB;
        Path file = writePattern(tmp.resolve("send.bin"), length);
        Path echoed = tmp.resolve("echoed.bin");
        try (BypassOnTap bypass = BypassOnTap.open()) {
            EchoServer echo = bypass.call(() -> EchoServer.start(bypass.stack(), ECHO_PORT));
            NetNs.Result nc = bypass.kernel().exec(COMMAND_TIMEOUT, "sh", "-c",
                "exec nc -N " + bypass.ip() + " " + ECHO_PORT + " < " + file + " > " + echoed);

            assertTrue(nc.ok(), () -> nc + bypass.diagnostics());
            assertEquals(length, Files.size(echoed), bypass::diagnostics);
            assertEquals(BytePattern.sha256Hex(length), sha256(echoed));
            assertEquals(length, (long) bypass.call(echo::echoedBytes));
        }
    }

    // ============================================================================================ UDP

    @Test
    void kernel_udp_datagrams_up_to_the_largest_are_echoed_byte_exact() throws Exception {
        Environment.requireCommands("python3");
        String client = """
            import os, socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(2)
            for size in map(int, sys.argv[3:]):
                data = os.urandom(size)
                s.sendto(data, (sys.argv[1], int(sys.argv[2])))
                try:
                    got = s.recv(70000)
                    print(size, "ok" if got == data else f"differs ({len(got)} bytes back)")
                except socket.timeout:
                    print(size, "no reply")
            """;
        List<String> sizes = List.of("0", "1", "1472", "1473", "8000", "32761", "65507");
        try (BypassOnTap bypass = BypassOnTap.open()) {
            UdpEchoServer echo = bypass.call(() -> UdpEchoServer.start(bypass.stack(), UDP_ECHO_PORT));
            List<String> command = new ArrayList<>(List.of("python3", "-c", client, bypass.ip(),
                Integer.toString(UDP_ECHO_PORT)));
            command.addAll(sizes);
            NetNs.Result r = bypass.kernel().exec(COMMAND_TIMEOUT, command.toArray(String[]::new));

            assertTrue(r.ok(), () -> r + bypass.diagnostics());
            assertEquals(sizes.stream().map(n -> n + " ok").toList(), r.stdout().lines().toList(),
                () -> "1473 bytes and up are fragmented both ways" + bypass.diagnostics());
            assertEquals((long) sizes.size(), (long) bypass.call(echo::echoed));
        }
    }

    // ============================================================================================ d. python

    @Test
    void bypass_fetches_a_file_from_python_http_server() throws Exception {
        Environment.requireCommands("python3");
        long length = 4 * MIB + 17;
        Path dir = Files.createDirectory(tmp.resolve("www"));
        writePattern(dir.resolve("blob.bin"), length);
        try (BypassOnTap bypass = BypassOnTap.open()) {
            bypass.kernel().start("python3", "-m", "http.server", Integer.toString(KERNEL_PORT), "--bind",
                bypass.kernelIp(), "--directory", dir.toString());
            awaitListening(bypass.kernel(), KERNEL_PORT);
            byte[] request = ("GET /blob.bin HTTP/1.0\r\nHost: " + bypass.kernelIp() + "\r\n\r\n").getBytes(US_ASCII);
            TcpSender.Result r = send(bypass, Endpoint.of(bypass.kernelIp(), KERNEL_PORT),
                ByteSource.of(request), 4096);

            assertEquals(TcpError.NONE, r.error(), bypass::diagnostics);
            String head = new String(r.receivedHead(), US_ASCII);
            int headerEnd = head.indexOf("\r\n\r\n") + 4;
            assertTrue(headerEnd > 4 && head.startsWith("HTTP/1.0 200 OK\r\n"), head);
            assertTrue(head.contains("Content-Length: " + length + "\r\n"), head);
            assertEquals(headerEnd + length, r.receivedBytes(), bypass::diagnostics);
            // What came is the header bypass saw, then exactly the file.
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(r.receivedHead(), 0, headerEnd);
            sha.update(Files.readAllBytes(dir.resolve("blob.bin")));
            assertEquals(HexFormat.of().formatHex(sha.digest()), r.receivedSha256());
        }
    }

    @Test
    void a_python_server_hashes_what_bypass_sends() throws Exception {
        Environment.requireCommands("python3");
        long length = 4 * MIB + 3;
        String server = """
            import hashlib, socket, sys
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], int(sys.argv[2])))
            s.listen(1)
            c, _ = s.accept()
            h, n = hashlib.sha256(), 0
            while True:
                b = c.recv(65536)
                if not b:
                    break
                h.update(b)
                n += len(b)
            c.sendall(f"{n} {h.hexdigest()}\\n".encode())
            c.close()
            """;
        try (BypassOnTap bypass = BypassOnTap.open()) {
            NetNs.Background python = bypass.kernel().start("python3", "-c", server, bypass.kernelIp(),
                Integer.toString(KERNEL_PORT));
            awaitListening(bypass.kernel(), KERNEL_PORT);
            TcpSender.Result r = send(bypass, Endpoint.of(bypass.kernelIp(), KERNEL_PORT),
                ByteSource.pattern(length), 200);

            assertEquals(TcpError.NONE, r.error(), bypass::diagnostics);
            assertEquals(length + " " + BytePattern.sha256Hex(length) + "\n", new String(r.receivedHead(), US_ASCII),
                () -> "the kernel's count and digest" + python.stop() + bypass.diagnostics());
        }
    }

    // ============================================================================================ e. router

    /**
     * bypass reaches a second subnet through a Linux router ({@link #farSubnet}): its default route points
     * at R. bypass must ARP for the gateway only: 198.19.X.2 is not on its link.
     */
    @Test
    void through_a_kernel_router_to_a_second_subnet() throws Exception {
        Environment.requireCommands("ping", "nc", "sh", "tcpdump");
        Path arpCapture = tmp.resolve("arp.pcap");
        try (BypassOnTap bypass = BypassOnTap.openWithKernelAsGateway();
             NetNs far = farSubnet(bypass, 1500)) {
            String farIp = farIp(bypass);
            NetNs router = bypass.kernel();
            NetNs.Background arp = startCapture(router, bypass.kernelLink(), arpCapture, "arp");

            // bypass speaks first, so it is bypass that must resolve the gateway.
            assertSendsToNcByteExact(bypass, far, farIp, 2 * MIB);

            NetNs.Result ping = far.exec(COMMAND_TIMEOUT, "ping", "-c", "5", "-i", "0.05", "-W", "2", bypass.ip());
            assertTrue(ping.ok() && ping.stdout().contains(" 5 received, 0% packet loss"),
                () -> ping + bypass.diagnostics());
            assertTrue(ping.stdout().contains("ttl=63"), () -> "one router hop on the way back: " + ping);

            // ARP: the gateway resolved, the far host never asked for.
            int farBits = IpAddress.parse(farIp).v4();
            assertNotEquals(-1L, (long) bypass.call(() -> bypass.stack().arpLookup(bypass.kernelIpBits())),
                "the gateway's MAC is in the ARP cache");
            assertEquals(-1L, (long) bypass.call(() -> bypass.stack().arpLookup(farBits)),
                () -> "198.19.X.2 is off-link: no ARP entry for it" + bypass.diagnostics());
            KernelTools.stopCapture(arp, arpCapture);
            String bypassMac = new MacAddress(bypass.macAddress()).toString();
            NetNs.Result frames = router.exec("tcpdump", "-r", arpCapture.toString(), "-n", "-e");
            frames.requireSuccess();
            List<String> fromBypass = frames.stdout().lines().filter(l -> l.contains(bypassMac + " >")).toList();
            List<String> requests = fromBypass.stream().filter(l -> l.contains("Request who-has")).toList();
            assertTrue(requests.stream().noneMatch(l -> l.contains("who-has " + farIp + " ")),
                () -> "bypass asked ARP for an off-link address:\n" + frames.stdout());
            assertTrue(requests.stream().allMatch(l -> l.contains("who-has " + bypass.kernelIp() + " ")),
                () -> "bypass's ARP requests may only be for the gateway:\n" + frames.stdout());
            assertFalse(requests.isEmpty(), () -> "bypass resolved the gateway itself:\n" + frames.stdout());
            System.out.println("[interop] ping from the far subnet via the router: " + rttLine(ping)
                + "; ARP from bypass: " + fromBypass.size() + " frames, " + requests.size() + " of them requests, "
                + "all for the gateway");
        }
    }

    /**
     * Path MTU discovery (RFC 1191) through a router whose link onward carries only 1280 bytes: bypass's
     * 1500-byte segments (DF set) draw "fragmentation needed" from the router, bypass lowers the path MTU
     * and sends the data again in smaller segments. The far host's own MTU stays 1500, so its MSS (1460)
     * does not hide the narrow link.
     */
    @Test
    void path_mtu_discovery_through_a_narrow_router_link() throws Exception {
        Environment.requireCommands("nc", "sh");
        try (BypassOnTap bypass = BypassOnTap.openWithKernelAsGateway();
             NetNs far = farSubnet(bypass, 1280)) {
            String farIp = farIp(bypass);
            assertSendsToNcByteExact(bypass, far, farIp, 2 * MIB);

            int farBits = IpAddress.parse(farIp).v4();
            assertEquals(1280, (int) bypass.call(() -> bypass.stack().pathMtu(farBits)), bypass::diagnostics);
            assertTrue(bypass.counter(Counter.ICMP_PMTU_UPDATES) >= 1, bypass::diagnostics);
            System.out.println("[interop] PMTU 1500 -> 1280 through the router: "
                + bypass.counter(Counter.TCP_RETRANS_SEGS) + " segments sent again after fragmentation-needed");
        }
    }

    /** 198.19.X.2: the host in the second subnet. */
    private static String farIp(BypassOnTap bypass) {
        return "198.19." + bypass.subnet() + ".2";
    }

    /**
     * Makes the kernel side of the TAP (R, 198.18.X.1) a router to a second subnet, 198.19.X.0/24, whose
     * host S (198.19.X.2) is in a namespace of its own, returned for the caller to close:
     * <pre>
     *   bypass 198.18.X.2 ==TAP== [R] 198.18.X.1 | ip_forward | 198.19.X.1 ==veth== 198.19.X.2 [S]
     * </pre>
     * {@code routerMtu} is the MTU of R's end of the veth (S's end stays 1500). S routes 198.18.X.0/24
     * through R; nothing has a default route.
     */
    private static NetNs farSubnet(BypassOnTap bypass, int routerMtu) {
        int x = bypass.subnet();
        NetNs router = bypass.kernel();
        NetNs far = NetNs.create("far");
        try {
            String routerLink = NetNs.uniqueLinkName("bpr");
            String farLink = NetNs.uniqueLinkName("bps");
            // Made inside R with its peer straight in S: never in the host's namespace.
            router.exec("ip", "link", "add", routerLink, "mtu", Integer.toString(routerMtu), "type", "veth", "peer",
                "name", farLink, "netns", far.name()).requireSuccess();
            router.addAddress(routerLink, "198.19." + x + ".1/24");
            router.linkUp(routerLink);
            router.sysctl("net.ipv4.ip_forward", "1");
            far.addAddress(farLink, farIp(bypass) + "/24");
            far.linkUp(farLink);
            far.addRoute("198.18." + x + ".0/24", "via", "198.19." + x + ".1");
            return far;
        } catch (RuntimeException | Error e) {
            far.close();
            throw e;
        }
    }

    // ============================================================================================ f. capture

    /**
     * tshark judges what bypass put on the wire (as {@code pcap-check} does: no malformed frame, no bad
     * checksum, no retransmission, duplicate ACK or lost segment). The capture is taken on the kernel's
     * side of the TAP, which offloads nothing, so every checksum seen is the one bypass computed. The stream
     * is HTTP on purpose: on a raw TCP stream of {@link BytePattern} bytes Wireshark's Thrift heuristic fires
     * on some segments and reports them as malformed Thrift, an error of the dissector, not of the stack.
     */
    @Test
    void a_capture_of_a_download_on_the_kernel_side_is_clean() throws Exception {
        Environment.requireCommands("curl", "tcpdump", "tshark");
        long length = 4 * MIB;
        Path capture = tmp.resolve("download.pcap");
        try (BypassOnTap bypass = BypassOnTap.open()) {
            bypass.call(() -> HttpServer.start(bypass.stack(), HTTP_PORT));
            NetNs.Background tcpdump = startCapture(bypass.kernel(), bypass.kernelLink(), capture,
                "tcp port " + HTTP_PORT);
            NetNs.Result curl = bypass.kernel().exec(COMMAND_TIMEOUT, "curl", "-sS", "--fail", "-o", "/dev/null",
                "-w", "%{size_download}", "http://" + bypass.ip() + ":" + HTTP_PORT + HttpServer.BYTES_PATH + length);
            assertTrue(curl.ok() && curl.stdout().strip().equals(Long.toString(length)),
                () -> curl + bypass.diagnostics());
            NetNs.Result stopped = KernelTools.stopCapture(tcpdump, capture);

            CaptureCheck.Verdict verdict = CaptureCheck.check(capture);
            assertTrue(verdict.cleanLink(), () -> verdict + "\n" + stopped + bypass.diagnostics());
            System.out.println("[interop] tshark on a 4 MiB download: " + verdict);
        }
    }

    // ============================================================================================ helpers

    /**
     * A {@link TcpSender} in bypass sends {@code length} bytes of {@link BytePattern} to {@code nc -l}
     * listening on {@code address} in {@code ns} (stdin at EOF, so it exits once bypass has closed), which
     * writes them to a file: the file must hold exactly those bytes.
     */
    private void assertSendsToNcByteExact(BypassOnTap bypass, NetNs ns, String address, long length)
        throws Exception {
        Path received = Files.createTempFile(tmp, "nc-", ".bin");
        NetNs.Background nc = ns.start("sh", "-c",
            "exec nc -l " + address + " " + KERNEL_PORT + " < /dev/null > " + received);
        awaitListening(ns, KERNEL_PORT);
        TcpSender.Result r = send(bypass, Endpoint.of(address, KERNEL_PORT), ByteSource.pattern(length));
        NetNs.Result exit = nc.await(Duration.ofSeconds(10));

        assertTrue(exit.ok(), () -> exit + bypass.diagnostics());
        assertEquals(TcpError.NONE, r.error(), bypass::diagnostics);
        assertEquals(length, r.sentBytes());
        assertEquals(length, Files.size(received), bypass::diagnostics);
        assertEquals(BytePattern.sha256Hex(length), sha256(received));
    }

    private static TcpSender.Result send(BypassOnTap bypass, Endpoint to, ByteSource source) throws Exception {
        return send(bypass, to, source, 0);
    }

    /** Runs a {@link TcpSender} to completion (30 s at most), keeping the first {@code headBytes} received. */
    private static TcpSender.Result send(BypassOnTap bypass, Endpoint to, ByteSource source, int headBytes)
        throws Exception {
        TcpSender sender = bypass.call(() -> TcpSender.start(bypass.stack(), to, source).keepHead(headBytes));
        try {
            return sender.completion().get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("transfer to " + to + " not done in 30 s: sent "
                + bypass.call(sender::sentBytes) + ", received " + bypass.call(sender::receivedBytes) + ", state "
                + bypass.call(() -> sender.connection().state()) + bypass.diagnostics(), e);
        }
    }
}
