package dev.bypass.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.apps.EchoServer;
import dev.bypass.host.PollLoop;
import dev.bypass.nic.dpdk.DpdkCounter;
import dev.bypass.nic.dpdk.DpdkDevice;
import dev.bypass.nic.dpdk.DpdkEal;
import dev.bypass.nic.dpdk.DpdkTesting;
import dev.bypass.nic.dpdk.VethNetwork;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.QueueShards;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.Environment;
import dev.bypass.testing.netns.NetNs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stack per queue on DPDK ({@link QueueShards}): an af_packet port with two queue pairs over a veth, each
 * queue's {@link NetworkStack} on a {@link PollLoop} of its own, an echo server listening on both; the
 * kernel at the other end opens many connections at once, and each echoes its data.
 *
 * <p>af_packet spreads received frames over its queues (one socket each) by the kernel's
 * {@code PACKET_FANOUT_HASH}, not by a Toeplitz hash the stack can compute: the port takes no RSS key
 * ({@link DpdkDevice#rssKey()} is null), so what this checks is the passive side, where each SYN lands on
 * some queue and that queue's stack serves the whole connection. An active open's port selection
 * ({@link NetworkStack#receivesFlow}) can only be checked on a NIC with real RSS; the in-memory NIC's
 * {@code QueueShardsTest} checks it against the same Toeplitz model the DPDK driver programs into such a
 * NIC's redirection table.
 */
class DpdkQueueShardsTest {
    private static final int ECHO_PORT = 7007;
    private static final int CONNECTIONS = 32;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private DpdkEal eal;

    @BeforeEach
    void requireDpdk() throws Exception {
        eal = DpdkTesting.requireEal();
        Environment.requireCommands("python3");
    }

    @AfterAll
    static void nothing_is_left_behind() {
        NetNs.assertNothingLeftBehind();
    }

    @Test
    void many_kernel_connections_are_served_by_the_stacks_of_both_queues_on_their_own_threads() throws Exception {
        String client = """
            import os, socket, sys, threading
            host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            results = [None] * n
            def run(i):
                try:
                    data = os.urandom(1000 + 977 * i)
                    s = socket.create_connection((host, port), timeout=10)
                    s.sendall(data)
                    s.shutdown(socket.SHUT_WR)
                    got = b""
                    while True:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        got += chunk
                    s.close()
                    results[i] = "ok" if got == data else f"differs ({len(got)} of {len(data)} bytes)"
                except Exception as e:
                    results[i] = f"failed: {e!r}"
            threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
            for t in threads: t.start()
            for t in threads: t.join()
            for i, r in enumerate(results): print(i, r)
            """;
        try (VethNetwork net = VethNetwork.open(eal, 2, c -> c)) {
            DpdkDevice nic = net.device();
            assertEquals(2, nic.capabilities().rxQueues());
            assertNull(nic.rssKey(), "af_packet takes no RSS key: " + nic.rssStatus());
            QueueShards shards = QueueShards.open(StackConfig.builder().name("bypass").address(net.deviceIpText() + "/24")
                .build(), nic);
            List<PollLoop> loops = new ArrayList<>();
            List<EchoServer> servers = new ArrayList<>();
            try {
                for (NetworkStack stack : shards.stacks()) {
                    PollLoop loop = PollLoop.start(stack, stack.config().name());
                    loops.add(loop);
                    servers.add(loop.call(() -> EchoServer.start(stack, ECHO_PORT)));
                }
                NetNs.Result r = net.kernel().exec(COMMAND_TIMEOUT, "python3", "-c", client, net.deviceIpText(),
                    Integer.toString(ECHO_PORT), Integer.toString(CONNECTIONS));

                List<String> expected = new ArrayList<>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    expected.add(i + " ok");
                }
                assertTrue(r.ok(), () -> r + diagnostics(loops, nic));
                assertEquals(expected, r.stdout().lines().toList(), () -> r + diagnostics(loops, nic));
                long[] accepted = new long[2];
                long echoed = 0;
                for (int queue = 0; queue < 2; queue++) {
                    int q = queue;
                    EchoServer server = servers.get(q);
                    PollLoop loop = loops.get(q);
                    NetworkStack stack = shards.stack(q);
                    accepted[q] = loop.call(server::acceptedConnections);
                    echoed += loop.call(server::echoedBytes);
                    assertNull(loop.call(stack::lastInternalError), "queue " + q);
                    assertEquals(0L, (long) loop.call(() -> stack.counters().get(Counter.STACK_INTERNAL_ERRORS)));
                    assertEquals(0L, (long) loop.call(() -> stack.counters().get(Counter.TCP_DROP_NO_SOCKET)),
                        () -> "queue " + q + " saw segments of another queue's connection" + diagnostics(loops, nic));
                }
                long total = 0;
                for (int i = 0; i < CONNECTIONS; i++) {
                    total += 1000 + 977 * i;
                }
                assertEquals(CONNECTIONS, accepted[0] + accepted[1]);
                assertEquals(total, echoed);
                assertTrue(accepted[0] > 0 && accepted[1] > 0, "both queues' stacks accept: " + accepted[0] + "/" + accepted[1]);
                System.out.println("[dpdk-shards] " + CONNECTIONS + " kernel connections echoed by a stack per af_packet "
                    + "queue: " + accepted[0] + " on queue 0, " + accepted[1] + " on queue 1; rx frames "
                    + nic.counter(DpdkCounter.RX_FRAMES, 0) + "/" + nic.counter(DpdkCounter.RX_FRAMES, 1) + ", tx frames "
                    + nic.counter(DpdkCounter.TX_FRAMES, 0) + "/" + nic.counter(DpdkCounter.TX_FRAMES, 1));
            } finally {
                for (PollLoop loop : loops) {
                    loop.close(); // stops the thread; a queue's stack leaves the device open
                }
            }
            // The threads are gone: every frame went back to the pool that lent it, every mbuf to the mempool.
            DpdkTesting.assertAllMbufsBack(nic);
            assertEquals(0, nic.txDropped() + nic.counter(DpdkCounter.RX_DROP_NO_FRAME));
            shards.close();
        }
    }

    private static String diagnostics(List<PollLoop> loops, DpdkDevice nic) {
        StringBuilder sb = new StringBuilder();
        for (PollLoop loop : loops) {
            sb.append("\n--- ").append(loop.stack().config().name()).append('\n')
                .append(loop.call(() -> loop.stack().counters().dumpNonZero()));
        }
        sb.append("--- ").append(nic).append('\n');
        for (DpdkCounter c : DpdkCounter.values()) {
            if (nic.counter(c) != 0) {
                sb.append(c.label()).append(' ').append(nic.counter(c, 0)).append('/').append(nic.counter(c, 1)).append('\n');
            }
        }
        return sb.toString();
    }
}
