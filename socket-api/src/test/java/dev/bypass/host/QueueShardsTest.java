package dev.bypass.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.QueueShards;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.Toeplitz;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.EthernetHeader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stack per queue of a four-queue NIC with RSS ({@link QueueShards}), against a plain one-queue host on
 * the in-memory network: active opens from every queue's stack get their replies on their own queue (so
 * no stack ever sees a segment of another's connection, which it would answer with a reset), ARP that
 * lands on queue 0 reaches every stack, and passive opens spread over the queues by the SYN's hash.
 */
class QueueShardsTest {
    private static final MacAddress MAC_SERVER = MacAddress.local(1);
    private static final MacAddress MAC_SHARDED = MacAddress.local(2);
    private static final int QUEUES = 4;
    private static final long SECOND = 1_000_000_000L;

    private final InMemoryNetwork network = new InMemoryNetwork(2);
    private final InMemoryNic plainNic = network.connect(InMemoryNicConfig.builder("plain", MAC_SERVER).build());
    private final InMemoryNic shardedNic = network.connect(
        InMemoryNicConfig.builder("sharded", MAC_SHARDED).rxQueues(QUEUES).txQueues(QUEUES).poolFrames(1024).build());
    private final NetworkStack plain = new NetworkStack(
        StackConfig.builder().name("plain").address("198.18.0.1/24").secretSeed(1).build(), plainNic);
    private final QueueShards shards = QueueShards.open(
        StackConfig.builder().name("sharded").address("198.18.0.2/24").secretSeed(2).build(), shardedNic);
    private final Simulation sim = new Simulation(0).add(plain);

    QueueShardsTest() {
        for (NetworkStack stack : shards.stacks()) {
            sim.add(stack);
        }
    }

    @AfterEach
    void close() {
        shards.close();
        plain.close();
    }

    @Test
    void active_opens_from_every_queue_get_their_replies_on_that_queue() {
        TcpListener listener = plain.tcp().listen(5000, 256);
        List<List<TcpConnection>> opened = new ArrayList<>();
        for (int q = 0; q < QUEUES; q++) {
            List<TcpConnection> mine = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                mine.add(shards.stack(q).tcp().connect(Endpoint.parse("198.18.0.1:5000")));
            }
            opened.add(mine);
        }
        assertTrue(sim.runUntil(() -> opened.stream().flatMap(List::stream).allMatch(c -> c.state() == TcpState.ESTABLISHED),
            5 * SECOND), this::dump);

        Toeplitz rss = new Toeplitz(Toeplitz.SYMMETRIC_KEY);
        int server = IpAddress.parse("198.18.0.1").v4();
        int local = IpAddress.parse("198.18.0.2").v4();
        for (int q = 0; q < QUEUES; q++) {
            for (TcpConnection c : opened.get(q)) {
                int port = c.localPort();
                assertEquals(q, Toeplitz.queueOf(rss.hash(server, local, 5000, port), QUEUES),
                    "port " + port + " of queue " + q + "'s connection hashes elsewhere");
            }
            NetworkStack stack = shards.stack(q);
            assertEquals(0, stack.counters().get(Counter.TCP_DROP_NO_SOCKET), "queue " + q + " saw another queue's segments");
            assertTrue(shardedNic.rxFrames(q) >= 16, "queue " + q + " received " + shardedNic.rxFrames(q) + " frames");
            // Queues 1..3 resolved the server's MAC from the ARP replies that landed on queue 0.
            assertEquals(MAC_SERVER.bits(), stack.arpLookup(server), "queue " + q + " has no ARP entry for the server");
        }
        assertEquals(0, plain.counters().get(Counter.TCP_DROP_NO_SOCKET));
        int accepted = 0;
        while (listener.accept() != null) {
            accepted++;
        }
        assertEquals(QUEUES * 16, accepted);
    }

    @Test
    void passive_opens_spread_over_the_queues_and_only_queue_0_answers_arp() {
        List<TcpListener> listeners = new ArrayList<>();
        for (NetworkStack stack : shards.stacks()) {
            listeners.add(stack.tcp().listen(6000, 256));
        }
        List<TcpConnection> clients = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            clients.add(plain.tcp().connect(Endpoint.parse("198.18.0.2:6000")));
        }
        assertTrue(sim.runUntil(() -> clients.stream().allMatch(c -> c.state() == TcpState.ESTABLISHED), 5 * SECOND),
            this::dump);
        int total = 0;
        int queuesUsed = 0;
        for (int q = 0; q < QUEUES; q++) {
            int n = 0;
            TcpConnection c;
            while ((c = listeners.get(q).accept()) != null) {
                assertNotNull(c);
                n++;
            }
            total += n;
            queuesUsed += n > 0 ? 1 : 0;
            assertEquals(0, shards.stack(q).counters().get(Counter.TCP_DROP_NO_SOCKET));
        }
        assertEquals(64, total);
        assertEquals(QUEUES, queuesUsed, "64 flows should reach all four queues");
        // The plain host asked once and got one answer (queue 0's), not one per queue.
        assertEquals(1, plain.counters().get(Counter.ARP_RX_REPLIES));
        assertEquals(1, shards.stack(0).counters().get(Counter.ARP_TX_REPLIES));
        for (int q = 1; q < QUEUES; q++) {
            assertEquals(0, shards.stack(q).counters().get(Counter.ARP_TX_REPLIES));
            // Every ARP request queue 0 saw (the plain host's announcement and its question) reached queue q too.
            assertEquals(shards.stack(0).counters().get(Counter.ARP_RX_REQUESTS),
                shards.stack(q).counters().get(Counter.ARP_RX_REQUESTS), "queue " + q + " learned from the copies");
        }
    }

    @Test
    void arp_that_lands_on_another_queue_is_answered_there_and_learned_by_every_stack() {
        // af_packet and TAP queues are picked by the kernel's flow hash, which may send every ARP frame to
        // queue 1: that queue's stack answers and copies the frame to the others.
        sim.runFor(SECOND / 10);
        long requester = MacAddress.local(9).bits();
        int requesterIp = IpAddress.parse("198.18.0.9").v4();
        Frame frame = shardedNic.pool(1).allocate();
        int at = frame.offset();
        new EthernetHeader().wrap(frame.buffer(), at).destination(MacAddress.BROADCAST).source(requester)
            .type(EthernetHeader.TYPE_ARP);
        new ArpPacket().wrap(frame.buffer(), at + EthernetHeader.LENGTH).write(ArpPacket.OPERATION_REQUEST, requester,
            requesterIp, 0, IpAddress.parse("198.18.0.2").v4());
        frame.length(EthernetHeader.LENGTH + ArpPacket.LENGTH);
        long repliesBefore = shards.stack(0).counters().get(Counter.ARP_TX_REPLIES);
        shards.stack(1).receive(frame);
        sim.runFor(SECOND / 10);
        for (int q = 0; q < QUEUES; q++) {
            assertEquals(requester, shards.stack(q).arpLookup(requesterIp), "queue " + q + " did not learn the requester");
        }
        assertEquals(1, shards.stack(1).counters().get(Counter.ARP_TX_REPLIES), "queue 1 answers what lands on it");
        assertEquals(repliesBefore, shards.stack(0).counters().get(Counter.ARP_TX_REPLIES), "and only queue 1");
        for (int q = 2; q < QUEUES; q++) {
            assertEquals(0, shards.stack(q).counters().get(Counter.ARP_TX_REPLIES));
        }
    }

    @Test
    void each_queue_runs_on_a_poll_thread_of_its_own() throws Exception {
        TcpListener listener = plain.tcp().listen(7000, 256);
        List<PollLoop> loops = new ArrayList<>();
        try {
            loops.add(PollLoop.start(plain, "plain"));
            for (NetworkStack stack : shards.stacks()) {
                loops.add(PollLoop.start(stack, stack.config().name()));
            }
            List<TcpConnection> opened = new ArrayList<>();
            for (int q = 0; q < QUEUES; q++) {
                PollLoop loop = loops.get(q + 1);
                NetworkStack stack = shards.stack(q);
                for (int i = 0; i < 8; i++) {
                    opened.add(loop.call(() -> stack.tcp().connect(Endpoint.parse("198.18.0.1:7000"))));
                }
            }
            // The client side is ESTABLISHED when it sends the handshake's last ACK; the server accepts once that
            // ACK has arrived: wait for both.
            long deadline = System.nanoTime() + 10 * SECOND;
            int accepted = 0;
            while (System.nanoTime() < deadline) {
                int established = 0;
                for (int i = 0; i < opened.size(); i++) {
                    TcpConnection c = opened.get(i);
                    if (loops.get(1 + i / 8).call(() -> c.state() == TcpState.ESTABLISHED)) {
                        established++;
                    }
                }
                accepted += loops.get(0).call(() -> {
                    int n = 0;
                    while (listener.accept() != null) {
                        n++;
                    }
                    return n;
                });
                if (established == opened.size() && accepted == opened.size()) {
                    break;
                }
                Thread.sleep(10);
            }
            assertEquals(QUEUES * 8, accepted, this::dump);
            for (int q = 0; q < QUEUES; q++) {
                NetworkStack stack = shards.stack(q);
                assertEquals(0L, (long) loops.get(q + 1).call(() -> stack.counters().get(Counter.TCP_DROP_NO_SOCKET)));
            }
        } finally {
            for (PollLoop loop : loops) {
                loop.close();
            }
        }
    }

    @Test
    void a_queue_outside_the_device_is_refused_with_its_name() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NetworkStack(
            StackConfig.builder().name("x").address("198.18.0.3/24").build(), shardedNic,
            new dev.bypass.stack.counters.StackCounters("x"), QUEUES));
        assertTrue(e.getMessage().contains("queue 4 is not one of device sharded's"), e.getMessage());
    }

    private String dump() {
        StringBuilder sb = new StringBuilder(plain.counters().dumpNonZero());
        for (NetworkStack stack : shards.stacks()) {
            sb.append(stack.counters().dumpNonZero());
        }
        return sb.toString();
    }
}
