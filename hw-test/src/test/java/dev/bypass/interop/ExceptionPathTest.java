package dev.bypass.interop;

import static dev.bypass.interop.KernelTools.awaitListening;
import static dev.bypass.interop.KernelTools.sha256;
import static dev.bypass.interop.KernelTools.writePattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.tap.ExceptionPathPump;
import dev.bypass.nic.tap.TapConfig;
import dev.bypass.nic.tap.TapDevice;
import dev.bypass.stack.ExceptionPath;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.Environment;
import dev.bypass.testing.netns.NetNs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exception path against real kernels: a host whose NIC bypass owns keeps its kernel's services.
 *
 * <pre>
 *   namespace "tap" (the peer)          this JVM                      namespace "host" (the host's kernel)
 *   198.18.X.1 ==== NIC (TAP) ==== bypass 198.18.X.2 ── pump ── TAP ── 198.18.X.2, bypass's MAC
 *   curl :8022, ping                    claims ICMP echo;             python http.server :8022
 *                                       passes port 8022 on           (an ssh stand-in)
 * </pre>
 *
 * The peer reaches the host kernel's TCP service through bypass's address, and bypass still answers
 * pings itself. Without the exception path the same connection is refused by bypass with a reset.
 */
class ExceptionPathTest {
    private static final int KERNEL_SERVICE_PORT = 8022;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @BeforeEach
    void requireKernel() {
        Environment.requireNetworkNamespaces();
        Environment.requireCommands("curl", "python3", "ping", "sha256sum", "bash");
    }

    @AfterAll
    static void nothing_is_left_behind() {
        NetNs.assertNothingLeftBehind();
    }

    @Test
    void the_peer_reaches_the_host_kernels_service_through_bypass_address() throws Exception {
        long length = 1024 * 1024 + 5;
        Path dir = Files.createDirectory(tmp.resolve("www"));
        writePattern(dir.resolve("blob.bin"), length);
        String expected = sha256(dir.resolve("blob.bin"));
        try (BypassOnTap bypass = BypassOnTap.open(); NetNs host = NetNs.create("host")) {
            String url = "http://" + bypass.ip() + ":" + KERNEL_SERVICE_PORT + "/blob.bin";
            String fetch = "set -o pipefail; curl -sS --fail --max-time 20 -o - " + url + " | sha256sum";

            // Without the exception path, bypass answers the SYN for a port it does not serve with a reset.
            NetNs.Result refused = bypass.kernel().exec(COMMAND_TIMEOUT, "curl", "-sS", "--max-time", "5", url);
            assertEquals(7, refused.exitCode(), () -> "curl should be refused: " + refused + bypass.diagnostics());
            long resetsBefore = bypass.counter(Counter.TCP_DROP_NO_SOCKET);
            assertTrue(resetsBefore > 0, bypass::diagnostics);

            // The host's kernel: a TAP with bypass's MAC and address, and a service bypass does not claim.
            TapDevice tap = TapDevice.open(TapConfig.named(NetNs.uniqueLinkName("bpx")));
            String link = tap.name();
            host.moveLinkHere(link);
            host.sysctl("net.ipv6.conf." + link + ".disable_ipv6", "1");
            host.exec("ip", "link", "set", "dev", link, "address", MacAddress.toString(bypass.macAddress()))
                .requireSuccess();
            host.addAddress(link, bypass.ip() + "/24");
            host.linkUp(link);
            host.start("python3", "-m", "http.server", Integer.toString(KERNEL_SERVICE_PORT), "--bind", bypass.ip(),
                "--directory", dir.toString());
            awaitListening(host, KERNEL_SERVICE_PORT);

            ExceptionPath path = new ExceptionPath();
            bypass.call(() -> bypass.stack().exceptionPath(path));
            try (ExceptionPathPump pump = ExceptionPathPump.start(tap, path)) {
                NetNs.Result curl = bypass.kernel().exec(COMMAND_TIMEOUT, "bash", "-c", fetch);
                assertTrue(curl.ok(), () -> curl + bypass.diagnostics() + "pump: to kernel " + pump.toKernel()
                    + ", from kernel " + pump.fromKernel());
                assertEquals(expected + "  -", curl.stdout().strip(), () -> curl + bypass.diagnostics());

                // bypass still serves what it claims: ICMP echo is answered by the stack, not the kernel.
                long echoRepliesBefore = bypass.counter(Counter.ICMP_OUT_ECHO_REPS);
                NetNs.Result ping = bypass.kernel().exec(COMMAND_TIMEOUT, "ping", "-c", "5", "-i", "0.05", "-W", "2",
                    bypass.ip());
                assertTrue(ping.ok() && ping.stdout().contains(" 5 received, 0% packet loss"), () -> ping.toString());
                assertEquals(echoRepliesBefore + 5, bypass.counter(Counter.ICMP_OUT_ECHO_REPS), bypass::diagnostics);

                long toKernel = bypass.counter(Counter.EXCEPTION_TO_KERNEL);
                long fromKernel = bypass.counter(Counter.EXCEPTION_FROM_KERNEL);
                assertTrue(toKernel > 0 && fromKernel > length / 1500, () -> "to kernel " + toKernel + ", from kernel "
                    + fromKernel + bypass.diagnostics());
                assertEquals(resetsBefore, bypass.counter(Counter.TCP_DROP_NO_SOCKET), "no reset with the path");
                assertEquals(0, bypass.counter(Counter.EXCEPTION_RING_FULL), bypass::diagnostics);
                System.out.printf("[interop] exception path: curl %d bytes from the host kernel through bypass, sha256 ok;"
                    + " frames to kernel %d, from kernel %d%n", length, toKernel, fromKernel);
            }
        }
    }
}
