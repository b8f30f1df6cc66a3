package dev.bypass.interop;

import static dev.bypass.interop.KernelTools.awaitListening;
import static dev.bypass.interop.KernelTools.rttLine;
import static dev.bypass.interop.KernelTools.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.apps.BytePattern;
import dev.bypass.apps.ByteSource;
import dev.bypass.apps.HttpServer;
import dev.bypass.apps.TcpSender;
import dev.bypass.apps.UdpEchoServer;
import dev.bypass.nic.dpdk.DpdkCounter;
import dev.bypass.nic.dpdk.DpdkEal;
import dev.bypass.nic.dpdk.DpdkTesting;
import dev.bypass.stack.TcpError;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.Environment;
import dev.bypass.testing.netns.NetNs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stack on DPDK against the real Linux kernel: {@link BypassOnDpdk} puts a NetworkStack on a
 * DpdkDevice (the af_packet PMD over a veth), the kernel's TCP/IP and tools are at the other end. The
 * same checks as {@link KernelInteropTest} makes over TAP, on the DPDK path. Needs root, namespaces,
 * ethtool and the DPDK shim: skips locally without them and fails in CI.
 */
class DpdkInteropTest {
    private static final int HTTP_PORT = 8080;
    private static final int KERNEL_PORT = 9100;
    private static final int UDP_ECHO_PORT = 7;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    private DpdkEal eal;

    @BeforeEach
    void requireDpdk() throws Exception {
        eal = DpdkTesting.requireEal();
    }

    @AfterAll
    static void nothing_is_left_behind() {
        NetNs.assertNothingLeftBehind();
    }

    @Test
    void kernel_pings_bypass_on_dpdk_without_loss() throws Exception {
        Environment.requireCommands("ping");
        try (BypassOnDpdk bypass = BypassOnDpdk.open(eal)) {
            NetNs.Result ping = bypass.kernel().exec(COMMAND_TIMEOUT, "ping", "-c", "20", "-i", "0.05", "-W", "2",
                bypass.ip());

            assertTrue(ping.ok() && ping.stdout().contains(" 20 received, 0% packet loss"),
                () -> ping + bypass.diagnostics());
            assertEquals(20, bypass.counter(Counter.ICMP_OUT_ECHO_REPS), bypass::diagnostics);
            assertEquals(0, (long) bypass.call(() -> bypass.device().txDropped()), bypass::diagnostics);
            System.out.println("[dpdk-interop] kernel ping -c 20 -i 0.05 to bypass on DPDK af_packet: " + rttLine(ping));
        }
    }

    @Test
    void large_pings_arrive_reassembled_by_af_packet_and_replies_leave_fragmented() throws Exception {
        Environment.requireCommands("ping");
        // af_packet's fanout sockets reassemble IPv4 fragments in the kernel (PACKET_FANOUT_FLAG_DEFRAG):
        // the stack sees each 4028-byte request whole, in one 8 KiB ring slot and mbuf, and fragments its
        // replies itself (three fragments each at MTU 1500), which the kernel reassembles.
        try (BypassOnDpdk bypass = BypassOnDpdk.open(eal, c -> c.withAfPacketFrameSize(8192).withPool(2047, 8192 + 128)
            .withDescriptors(256, 256))) {
            NetNs.Result ping = bypass.kernel().exec(COMMAND_TIMEOUT, "ping", "-c", "3", "-i", "0.05", "-W", "2",
                "-s", "4000", bypass.ip());

            assertTrue(ping.ok() && ping.stdout().contains(" 3 received, 0% packet loss"),
                () -> ping + bypass.diagnostics());
            assertTrue(ping.stdout().contains("4008 bytes from " + bypass.ip()), () -> "reply size: " + ping);
            assertEquals(0, bypass.counter(Counter.IP_REASM_OKS), "no fragment reached the stack" + bypass.diagnostics());
            assertEquals(3, bypass.counter(Counter.IP_FRAG_OKS), bypass::diagnostics);
            assertEquals(9, bypass.counter(Counter.IP_FRAG_CREATES), bypass::diagnostics);
        }
    }

    @Test
    void curl_downloads_10_MiB_byte_exact_over_dpdk() throws Exception {
        Environment.requireCommands("curl", "sha256sum", "bash");
        long length = 10 * MIB;
        try (BypassOnDpdk bypass = BypassOnDpdk.open(eal)) {
            HttpServer http = bypass.call(() -> HttpServer.start(bypass.stack(), HTTP_PORT));
            String url = "http://" + bypass.ip() + ":" + HTTP_PORT + HttpServer.BYTES_PATH + length;
            NetNs.Result curl = bypass.kernel().exec(COMMAND_TIMEOUT, "bash", "-c", "set -o pipefail; curl -sS --fail "
                + "-o - -w '%{stderr}%{speed_download} %{time_total} %{size_download}' " + url + " | sha256sum");

            assertTrue(curl.ok(), () -> curl + bypass.diagnostics());
            assertEquals(BytePattern.sha256Hex(length) + "  -", curl.stdout().strip(), () -> curl + bypass.diagnostics());
            String[] figures = curl.stderr().strip().split(" ");
            assertEquals(Long.toString(length), figures[2], "size_download");
            assertEquals(length, (long) bypass.call(http::bodyBytes));
            long txFrames = bypass.deviceCounter(DpdkCounter.TX_FRAMES);
            assertTrue(txFrames >= length / 1460, () -> "frames sent through DPDK: " + txFrames);
            System.out.printf(Locale.ROOT, "[dpdk-interop] curl 10 MiB from bypass on DPDK: %.1f MB/s (%s s), %d frames"
                + " sent, %d received, %d tx dropped by the port%n", Double.parseDouble(figures[0]) / 1e6, figures[1],
                txFrames, bypass.deviceCounter(DpdkCounter.RX_FRAMES),
                (long) bypass.call(() -> bypass.device().txDropped()));
        }
    }

    @Test
    void bypass_on_dpdk_sends_4_MiB_to_kernel_nc() throws Exception {
        Environment.requireCommands("nc", "sh");
        long length = 4 * MIB;
        try (BypassOnDpdk bypass = BypassOnDpdk.open(eal)) {
            Path received = Files.createTempFile(tmp, "nc-", ".bin");
            NetNs.Background nc = bypass.kernel().start("sh", "-c",
                "exec nc -l " + bypass.kernelIp() + " " + KERNEL_PORT + " < /dev/null > " + received);
            awaitListening(bypass.kernel(), KERNEL_PORT);
            Endpoint to = Endpoint.of(bypass.kernelIp(), KERNEL_PORT);
            TcpSender sender = bypass.call(() -> TcpSender.start(bypass.stack(), to, ByteSource.pattern(length)));
            TcpSender.Result r = sender.completion().get(30, TimeUnit.SECONDS);
            NetNs.Result exit = nc.await(Duration.ofSeconds(10));

            assertTrue(exit.ok(), () -> exit + bypass.diagnostics());
            assertEquals(TcpError.NONE, r.error(), bypass::diagnostics);
            assertEquals(length, Files.size(received), bypass::diagnostics);
            assertEquals(BytePattern.sha256Hex(length), sha256(received));
        }
    }

    @Test
    void kernel_udp_datagrams_are_echoed_byte_exact() throws Exception {
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
        // Up to 32000 bytes: af_packet hands datagrams over reassembled, in one ring slot (32 KiB here) and one
        // mbuf; 65507 (TAP's largest) cannot fit an mbuf, whose buffer is at most 64 KiB - 1 with its headroom.
        List<String> sizes = List.of("0", "1", "1472", "1473", "8000", "32000");
        try (BypassOnDpdk bypass = BypassOnDpdk.open(eal, c -> c.withAfPacketFrameSize(32768).withPool(1023, 32768 + 128)
            .withDescriptors(256, 256))) {
            UdpEchoServer echo = bypass.call(() -> UdpEchoServer.start(bypass.stack(), UDP_ECHO_PORT));
            List<String> command = new ArrayList<>(List.of("python3", "-c", client, bypass.ip(),
                Integer.toString(UDP_ECHO_PORT)));
            command.addAll(sizes);
            NetNs.Result r = bypass.kernel().exec(COMMAND_TIMEOUT, command.toArray(String[]::new));

            assertTrue(r.ok(), () -> r + bypass.diagnostics());
            assertEquals(sizes.stream().map(n -> n + " ok").toList(), r.stdout().lines().toList(), bypass::diagnostics);
            assertEquals((long) sizes.size(), (long) bypass.call(echo::echoed));
        }
    }
}
