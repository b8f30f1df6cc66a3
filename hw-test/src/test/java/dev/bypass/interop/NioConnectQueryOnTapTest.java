package dev.bypass.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.apps.EchoServer;
import dev.bypass.query.BypassTupleTable;
import dev.bypass.query.BypassTupleTable.Entry;
import dev.bypass.query.BypassTupleTable.PublicTuple;
import dev.bypass.query.ConnectQueryService;
import dev.bypass.query.QueryCounter;
import dev.bypass.testing.Environment;
import dev.bypass.testing.netns.NetNs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plain-NIO connect query library, in a JVM of its own in the kernel's namespace, against the bypass
 * stack's query service over a TAP device. One stack stands for the host here: its four "bypass tuples"
 * are four echo ports of its one address (the host branch gives each resource its own private IP); what
 * this shows is the kernel client asking over the wire, choosing, connecting and talking to each.
 */
class NioConnectQueryOnTapTest {
    private static final int[] PORTS = {7, 1007, 2007, 3007};
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @BeforeEach
    void requireKernel() {
        Environment.requireNetworkNamespaces();
    }

    @AfterAll
    static void nothing_is_left_behind() {
        NetNs.assertNothingLeftBehind();
    }

    @Test
    void a_kernel_jvm_queries_the_service_and_spreads_forty_connections_over_four_tuples() throws Exception {
        try (BypassOnTap bypass = BypassOnTap.open()) {
            BypassTupleTable.Builder b = BypassTupleTable.builder(1);
            PublicTuple web = PublicTuple.tcp(bypass.ip() + ":" + PORTS[0]);
            for (int k = 0; k < PORTS.length; k++) {
                b.add(web, Entry.of(bypass.ip() + ":" + PORTS[k], k, 0, true));
            }
            BypassTupleTable table = b.build();
            ConnectQueryService service = bypass.call(() -> {
                for (int port : PORTS) {
                    EchoServer.start(bypass.stack(), port);
                }
                return ConnectQueryService.start(bypass.stack(), ConnectQueryService.Config.DEFAULT, () -> table);
            });
            // A plain JVM: none of a bypass process's flags (the library needs no Agrona, no exports).
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            NetNs.Result run = bypass.kernel().exec(TIMEOUT, java.toString(), "-cp", System.getProperty("java.class.path"),
                "dev.bypass.query.nio.NioConnectQuery", bypass.ip() + ":" + PORTS[0], "40");

            assertTrue(run.ok(), () -> run + bypass.diagnostics());
            String line = run.stdout().strip();
            assertTrue(line.startsWith("connections 40 echoed 40 per-port {7=10, 1007=10, 2007=10, 3007=10}"),
                () -> run + bypass.diagnostics());
            assertTrue(line.contains("query_client.queries 1;"), line);
            assertEquals(1L, (long) bypass.call(() -> service.counters().get(QueryCounter.REPLIES)),
                () -> bypass.call(() -> service.counters().dumpNonZero()));
            System.out.println("[interop] NIO connect query over TAP: " + line);
        }
    }

    @Test
    void the_kernel_sees_a_reply_no_larger_than_its_query_and_an_error_for_an_unpadded_one() throws Exception {
        Environment.requireCommands("python3");
        try (BypassOnTap bypass = BypassOnTap.open()) {
            PublicTuple web = PublicTuple.tcp(bypass.ip() + ":80");
            BypassTupleTable table = BypassTupleTable.builder(9)
                .add(web, Entry.of(bypass.ip() + ":80", 0, 100, true)).build();
            bypass.call(() -> ConnectQueryService.start(bypass.stack(), ConnectQueryService.Config.DEFAULT, () -> table));
            // A query by hand, from the kernel's own UDP: 64 bytes, then the same unpadded (32 bytes).
            NetInfo.Result py = NetInfo.python(bypass, """
                import socket, struct, sys
                ip = sys.argv[1]
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(2)
                pub = socket.inet_aton(ip)
                def query(length):
                    q = b"BPQ" + bytes([1, 1, 0]) + struct.pack(">HQ", 0, 0x1122334455667788) + pub
                    q += struct.pack(">HBB", 80, 6, 0) + bytes(8)
                    return q + bytes(length - len(q))
                s.sendto(query(64), (ip, 7483))
                r, src = s.recvfrom(2048)
                print(len(r), r[4], struct.unpack(">Q", r[8:16])[0] == 0x1122334455667788, struct.unpack(">H", r[32:34])[0])
                s.sendto(query(32), (ip, 7483))
                r, src = s.recvfrom(2048)
                print(len(r), r[4], struct.unpack(">H", r[16:18])[0], struct.unpack(">I", r[20:24])[0])
                """, bypass.ip());
            assertEquals(List.of("56 2 True 1", "32 3 2 64"), py.lines(), () -> py + bypass.diagnostics());
        }
    }

    /** python3 -c in the kernel's namespace. */
    private static final class NetInfo {
        record Result(NetNs.Result run) {
            List<String> lines() {
                return run.stdout().strip().lines().toList();
            }

            @Override
            public String toString() {
                return run.toString();
            }
        }

        static Result python(BypassOnTap bypass, String script, String arg) {
            return new Result(bypass.kernel().exec(TIMEOUT, "python3", "-c", script, arg));
        }
    }
}
