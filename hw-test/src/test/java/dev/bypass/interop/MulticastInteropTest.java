package dev.bypass.interop;

import static dev.bypass.interop.KernelTools.startCapture;
import static dev.bypass.interop.KernelTools.stopCapture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.socket.BypassDatagramChannel;
import dev.bypass.socket.BypassMembershipKey;
import dev.bypass.socket.BypassSockets;
import dev.bypass.socket.ResourceSet;
import dev.bypass.stack.UdpSocket;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.testing.Environment;
import dev.bypass.testing.netns.NetNs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * group, and bypass's socket receives every one; after the leave, none arrives. Once on the stack's own
 * {@link UdpSocket}, once through the ring socket API ({@link BypassDatagramChannel#join}), which also sends to
 * the group: a python receiver in the kernel's namespace sees it with TTL 1.
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

    /** Joins GROUP on the kernel's side, waits for one datagram to it on {@code port}, prints it and its TTL. */
    private static String receiver(String kernelIp, int port) {
        return "import socket, struct\n"
            + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + "s.bind(('" + GROUP + "', " + port + "))\n"
            + "s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton('" + GROUP + "') + "
            + "socket.inet_aton('" + kernelIp + "'))\n"
            + "s.setsockopt(socket.IPPROTO_IP, getattr(socket, 'IP_RECVTTL', 12), 1)  # 12: Linux's value\n"
            + "s.settimeout(20)\n"
            + "data, anc, flags, source = s.recvmsg(256, 64)\n"
            + "ttl = [struct.unpack('i', d)[0] for (l, t, d) in anc if t == socket.IP_TTL]\n"
            + "print(data.decode(), source[0], ttl[0])\n";
    }

    @Test
    void the_datagram_channel_joins_receives_sends_with_ttl_1_and_leaves() throws Exception {
        int group = IpAddress.parse(GROUP).v4();
        try (BypassOnTap bypass = BypassOnTap.open();
             BypassSockets sockets = BypassSockets.open(ResourceSet.single(bypass.stack(), bypass.loop()))) {
            Path pcap = tmp.resolve("igmp-channel.pcap");
            NetNs.Background capture = startCapture(bypass.kernel(), bypass.kernelLink(), pcap, "igmp");
            BypassDatagramChannel channel = sockets.openDatagramChannel().bind(PORT);
            channel.configureBlocking(false);
            BypassMembershipKey key = channel.join(IpAddress.parse(GROUP), 0);

            bypass.kernel().exec(COMMAND_TIMEOUT, "python3", "-c", sender(bypass.kernelIp(), 20, "tick")).requireSuccess();
            List<String> got = new ArrayList<>();
            ByteBuffer in = ByteBuffer.allocate(256);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (got.size() < 20 && System.nanoTime() < deadline) {
                BypassDatagramChannel.Received r = channel.receiveDatagram(in.clear());
                if (r == null) {
                    Thread.sleep(5);
                    continue;
                }
                got.add(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
                assertEquals(0, r.resource());
                assertEquals(group, r.localAddress());
                assertEquals(bypass.kernelIpBits(), r.sourceAddress());
            }
            assertEquals(20, got.size(), () -> got + bypass.diagnostics());
            assertEquals("tick 0", got.get(0));
            assertEquals("tick 19", got.get(19));

            // To the group from bypass: the kernel's receiver (joined on the TAP) gets it, with TTL 1.
            NetNs.Background listener = bypass.kernel().start("python3", "-c", receiver(bypass.kernelIp(), PORT + 1));
            Endpoint toGroup = new Endpoint(IpAddress.parse(GROUP), PORT + 1);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!listener.hasExited() && System.nanoTime() < until) {
                channel.send(ByteBuffer.wrap("from-bypass".getBytes(StandardCharsets.US_ASCII)), toGroup, 0);
                Thread.sleep(100); // until the receiver has joined and heard one
            }
            NetNs.Result heard = listener.await(Duration.ofSeconds(5));
            assertEquals("from-bypass " + bypass.ip() + " 1", heard.stdout().strip(), heard::toString);

            key.drop();
            Thread.sleep(100);
            bypass.kernel().exec(COMMAND_TIMEOUT, "python3", "-c", sender(bypass.kernelIp(), 5, "late")).requireSuccess();
            Thread.sleep(200);
            assertNull(channel.receive(in.clear()), "a datagram arrived after the leave");
            channel.close();

            stopCapture(capture, pcap);
            NetNs.Result reports = NetNs.host("tshark", "-r", pcap.toString(), "-Y",
                "igmp.type == 0x22 && igmp.maddr == " + GROUP + " && ip.src == " + bypass.ip() + " && !_ws.malformed",
                "-T", "fields", "-e",
                "igmp.record_type");
            assertTrue(reports.ok(), reports::toString);
            String types = reports.stdout().strip().replace('\n', ' ');
            // bypass's own (the kernel's receiver reported too): the join, its repeat if before the leave, the leave
            assertTrue(types.matches("4( 4)? 3"), "IGMPv3 record types seen from bypass: " + types);
            System.out.println("[interop] multicast through BypassDatagramChannel: 20 of 20 datagrams received; the "
                + "kernel heard \"" + heard.stdout().strip() + "\" (data, source, TTL); IGMPv3 records " + types);
        }
    }
}
