package dev.bypass.nic.memory;

import static dev.bypass.nic.testing.Packets.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.testing.Packets;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.Frame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The switch: learning, unicast, flooding, filtering, and the MAC table under concurrent senders. */
class InMemoryNetworkTest {
    private static final long MAC_A = MacAddress.local(0xA).bits();
    private static final long MAC_B = MacAddress.local(0xB).bits();
    private static final long MAC_C = MacAddress.local(0xC).bits();

    private final InMemoryNetwork network = new InMemoryNetwork(4);
    private final InMemoryNic a = network.connect(InMemoryNicConfig.builder("a", new MacAddress(MAC_A)).build());
    private final InMemoryNic b = network.connect(InMemoryNicConfig.builder("b", new MacAddress(MAC_B)).build());
    private final InMemoryNic c = network.connect(InMemoryNicConfig.builder("c", new MacAddress(MAC_C)).build());

    @AfterEach
    void close() {
        a.close();
        b.close();
        c.close();
    }

    static byte[] frame(long from, long to, int seed) {
        return Packets.between(from, to).udp(payload(50, seed));
    }

    static void send(InMemoryNic nic, byte[] bytes) {
        nic.transmit(0, Packets.frame(nic.pool(), bytes), 0);
        nic.flush(0, 0);
    }

    static List<byte[]> receiveAll(InMemoryNic nic, int queue) {
        List<byte[]> got = new ArrayList<>();
        Frame[] burst = new Frame[32];
        int n;
        while ((n = nic.receive(queue, burst, burst.length, 0)) > 0) {
            for (int i = 0; i < n; i++) {
                got.add(Packets.take(burst[i]));
            }
        }
        return got;
    }

    @Test
    void ports_are_assigned_in_order() {
        assertEquals(0, a.port());
        assertEquals(1, b.port());
        assertEquals(2, c.port());
        assertEquals(a, network.nicAt(0));
    }

    @Test
    void a_frame_to_an_unknown_station_floods_to_every_other_port_but_not_back() {
        byte[] toB = frame(MAC_A, MAC_B, 1);

        send(a, toB);

        assertEquals(1, receiveAll(b, 0).size());
        List<byte[]> atC = receiveAll(c, 0);
        assertEquals(1, atC.size());
        assertArrayEquals(toB, atC.get(0));
        assertEquals(0, receiveAll(a, 0).size(), "never back out of the ingress port");
        assertEquals(0, network.learnedPort(MAC_A), "source learned on port 0");
    }

    @Test
    void once_learned_a_unicast_frame_goes_to_its_port_only() {
        send(a, frame(MAC_A, MAC_B, 1)); // floods; learns A on port 0
        send(b, frame(MAC_B, MAC_A, 2)); // A is known: port 0 only; learns B on port 1
        receiveAll(b, 0);
        receiveAll(c, 0);

        List<byte[]> atA = receiveAll(a, 0);
        send(a, frame(MAC_A, MAC_B, 3));

        assertEquals(1, atA.size());
        assertEquals(1, receiveAll(b, 0).size());
        assertEquals(0, receiveAll(c, 0).size(), "C no longer sees A to B");
    }

    @Test
    void broadcast_and_multicast_flood_even_between_known_stations() {
        send(b, frame(MAC_B, MAC_A, 1));
        send(c, frame(MAC_C, MAC_A, 1));
        receiveAll(a, 0);
        receiveAll(b, 0);
        receiveAll(c, 0);

        send(a, frame(MAC_A, MacAddress.BROADCAST, 2));
        send(a, frame(MAC_A, 0x01_00_5E_00_00_01L, 3)); // IPv4 multicast group MAC

        assertEquals(2, receiveAll(b, 0).size());
        assertEquals(2, receiveAll(c, 0).size());
        assertEquals(0, receiveAll(a, 0).size());
    }

    @Test
    void a_frame_for_a_station_on_its_own_ingress_port_is_filtered() {
        send(a, frame(MAC_A, MAC_B, 1));
        receiveAll(b, 0);
        receiveAll(c, 0);
        long behindA = MacAddress.local(0xAA).bits(); // a second station behind port 0 (a bridge there)
        send(a, frame(behindA, MAC_C, 2));

        send(a, frame(MAC_A, behindA, 3));

        assertEquals(1, network.sameSegmentFiltered());
        assertEquals(1, receiveAll(c, 0).size(), "only the flood of the frame to C");
        assertEquals(1, receiveAll(b, 0).size());
    }

    @Test
    void a_station_that_moves_is_learned_on_its_new_port() {
        send(a, frame(MAC_A, MAC_B, 1));
        assertEquals(0, network.learnedPort(MAC_A));

        send(c, frame(MAC_A, MAC_B, 2));

        assertEquals(2, network.learnedPort(MAC_A));
    }

    @Test
    void a_port_is_taken_once_and_a_full_network_says_so() {
        InMemoryNicConfig config = InMemoryNicConfig.builder("x", MacAddress.local(0x99)).build();
        IllegalStateException taken = assertThrows(IllegalStateException.class, () -> new InMemoryNic(network, 0, config));
        assertTrue(taken.getMessage().contains("port 0 is already taken by NIC 'a'"), taken.getMessage());
        try (InMemoryNic d = network.connect(config)) {
            IllegalStateException full = assertThrows(IllegalStateException.class, () -> network.connect(config));
            assertTrue(full.getMessage().contains("no free port"), full.getMessage());
            assertEquals(3, d.port());
        }
    }

    @Test
    void the_mac_table_learns_correctly_from_concurrent_threads() throws Exception {
        MacLearningTable table = new MacLearningTable(4096);
        int threads = 4;
        int perThread = 500;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int port = t;
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int round = 0; round < 20; round++) {
                    for (int i = 0; i < perThread; i++) {
                        // Every thread also learns a shared set of MACs on port 9: they race for the same slots.
                        table.learn(MacAddress.local(port * 10_000L + i).bits(), port);
                        table.learn(MacAddress.local(999_000L + i).bits(), 9);
                    }
                }
            }));
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }

        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                assertEquals(t, table.lookup(MacAddress.local(t * 10_000L + i).bits()));
            }
        }
        for (int i = 0; i < perThread; i++) {
            assertEquals(9, table.lookup(MacAddress.local(999_000L + i).bits()));
        }
        assertEquals(-1, table.lookup(MacAddress.local(123_456).bits()));
        assertEquals(0, table.fullCount());
    }

    @Test
    void a_full_mac_table_counts_and_the_unlearned_station_is_flooded_to() {
        MacLearningTable table = new MacLearningTable(4);
        for (int i = 0; i < 5; i++) {
            table.learn(MacAddress.local(i + 1).bits(), i);
        }
        assertEquals(1, table.fullCount());
        assertEquals(-1, table.lookup(MacAddress.local(5).bits()));
        assertEquals(3, table.lookup(MacAddress.local(4).bits()));
    }
}
