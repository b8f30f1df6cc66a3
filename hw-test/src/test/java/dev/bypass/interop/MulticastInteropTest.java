package dev.bypass.interop;

import static dev.bypass.interop.KernelTools.startCapture;
import static dev.bypass.interop.KernelTools.stopCapture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.UdpSocket;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.testing.Environment;
import dev.bypass.testing.netns.NetNs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multicast against the Linux kernel over a TAP: bypass joins a group (its IGMPv3 report is captured on the
 * kernel's side and dissected by tshark), a python sender in the kernel's namespace sends datagrams to the
 * group, and bypass's socket receives every one; after the leave, none arrives.
 */
class MulticastInteropTest {
    private static final String GROUP = "239.1.2.3";
    private static final int PORT = 5000;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @BeforeEach
    void requireKernel() {
        Environment.requireNetworkNamespaces();
        Environment.requireCommands("python3", "tcpdump", "tshark");
    }

    @AfterAll
    static void nothing_is_left_behind() {
        NetNs.assertNothingLeftBehind();
    }

    private static String sender(String kernelIp, int count, String tag) {
        return "import socket\n"
            + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('" + kernelIp + "'))\n"
            + "for i in range(" + count + "):\n"
            + "    s.sendto(('" + tag + " %d' % i).encode(), ('" + GROUP + "', " + PORT + "))\n";
    }

    @Test
    void bypass_joins_receives_the_kernels_datagrams_and_leaves() throws Exception {
        int group = IpAddress.parse(GROUP).v4();
        try (BypassOnTap bypass = BypassOnTap.open()) {
            Path pcap = tmp.resolve("igmp.pcap");
            NetNs.Background capture = startCapture(bypass.kernel(), bypass.kernelLink(), pcap, "igmp");
            UdpSocket socket = bypass.call(() -> {
                UdpSocket s = bypass.stack().udp().open(PORT);
                s.joinGroup(group);
                return s;
            });
            NetNs.Result sent = bypass.kernel().exec(COMMAND_TIMEOUT, "python3", "-c",
                sender(bypass.kernelIp(), 20, "tick"));
            assertTrue(sent.ok(), sent::toString);
            List<String> got = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (got.size() < 20 && System.nanoTime() < deadline) {
                got.addAll(bypass.call(() -> {
                    List<String> batch = new ArrayList<>();
                    UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
                    int n;
                    while ((n = socket.receive(buffer, 0, 256)) >= 0) {
                        batch.add(buffer.getStringWithoutLengthAscii(0, n));
                    }
                    return batch;
                }));
                Thread.sleep(10);
            }
            assertEquals(20, got.size(), () -> got + bypass.diagnostics());
            assertEquals("tick 0", got.get(0));
            assertEquals("tick 19", got.get(19));

            bypass.call(() -> {
                socket.leaveGroup(group);
                return null;
            });
            Thread.sleep(100);
            bypass.kernel().exec(COMMAND_TIMEOUT, "python3", "-c", sender(bypass.kernelIp(), 5, "late")).requireSuccess();
            Thread.sleep(200);
            int late = bypass.call(() -> socket.receive(new UnsafeBuffer(new byte[256]), 0, 256));
            assertEquals(-1, late, "a datagram arrived after the leave");

            stopCapture(capture, pcap);
            NetNs.Result reports = NetNs.host("tshark", "-r", pcap.toString(), "-Y",
                "igmp.type == 0x22 && igmp.maddr == " + GROUP + " && !_ws.malformed", "-T", "fields", "-e",
                "igmp.record_type");
            assertTrue(reports.ok(), reports::toString);
            String types = reports.stdout().strip().replace('\n', ' ');
            // the join: CHANGE_TO_EXCLUDE (4), its repeat if it came before the leave; the leave: CHANGE_TO_INCLUDE (3)
            assertTrue(types.matches("4( 4)? 3"), "IGMPv3 record types seen: " + types);
            NetNs.Result malformed = NetNs.host("tshark", "-r", pcap.toString(), "-Y", "_ws.malformed || ip.checksum.status == \"Bad\"",
                "-o", "ip.check_checksum:TRUE");
            assertEquals("", malformed.stdout().strip(), malformed::toString);
            System.out.println("[interop] multicast: 20 of 20 datagrams to " + GROUP + " received; IGMPv3 records " + types);
        }
    }
}
