package dev.bypass.nic.dpdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.stack.device.Toeplitz;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The rules {@link DpdkDevice} applies to what a port says about itself, without DPDK: the largest MTU,
 * when jumbo frames need chains and a jumbo mempool, the symmetric RSS key of the port's size and the
 * redirection table that makes the port pick queues as the stack predicts.
 */
class DpdkPortRulesTest {
    private static final int HEADROOM = 128;

    @Test
    void the_largest_mtu_follows_ethdev_s_rule() {
        assertEquals(1500, DpdkDevice.maxMtu(port("net_af_packet", 1518, 65535, 0)));
        assertEquals(1504, DpdkDevice.maxMtu(port("net_tap", 1522, 65535, 0)));
        assertEquals(65535, DpdkDevice.maxMtu(port("net_ring", -1, 65535, 0)), "max_rx_pktlen UINT32_MAX");
        // A PMD with both limits: the overhead is their difference (here 26: Ethernet, CRC and two VLAN tags).
        assertEquals(9702, DpdkDevice.maxMtu(port("net_ice", 9728, 9702, 0)));
    }

    @Test
    void an_mtu_above_the_port_s_is_refused_with_its_limits() {
        String problem = DpdkDevice.mtuProblem(DpdkConfig.afPacket("veth0").withMtu(9000), port("net_af_packet", 1518, 65535,
            0), HEADROOM);
        assertEquals("MTU 9000 is above the port's largest, 1500 (net_af_packet: max_rx_pktlen 1518, max_mtu 65535)", problem);
        assertNull(DpdkDevice.mtuProblem(DpdkConfig.afPacket("veth0"), port("net_af_packet", 1518, 65535, 0), HEADROOM));
    }

    @Test
    void jumbo_frames_over_small_mbufs_need_a_port_that_scatters() {
        DpdkConfig jumbo = DpdkConfig.port("net_x").withMtu(9000);
        assertTrue(jumbo.jumbo(HEADROOM), "9018 bytes do not fit 2048");
        assertFalse(DpdkConfig.port("net_x").jumbo(HEADROOM), "1518 bytes fit 2048");
        assertFalse(jumbo.withPool(4095, 9216 + 128).jumbo(HEADROOM), "large mbufs hold the frame whole");
        assertEquals(9152, jumbo.jumboDataRoom(HEADROOM), "128 + 9018 in 64-byte steps");
        String problem = DpdkDevice.mtuProblem(jumbo, port("net_x", 16128, 65535, 0), HEADROOM);
        assertTrue(problem.contains("cannot receive into mbuf chains (no RTE_ETH_RX_OFFLOAD_SCATTER)"), problem);
        assertNull(DpdkDevice.mtuProblem(jumbo, port("net_x", 16128, 65535, DpdkShim.BP_ETH_RX_OFFLOAD_SCATTER), HEADROOM));
    }

    @Test
    void the_rss_key_is_0x6d5a_repeated_to_the_port_s_key_size() {
        assertArrayEquals(Toeplitz.SYMMETRIC_KEY, DpdkDevice.symmetricKey(40));
        byte[] key52 = DpdkDevice.symmetricKey(52);
        assertEquals(52, key52.length);
        for (int i = 0; i < 52; i += 2) {
            assertEquals(0x6d, key52[i]);
            assertEquals(0x5a, key52[i + 1]);
        }
        // Still symmetric: a flow and its reverse hash alike under the longer key.
        Toeplitz t = new Toeplitz(key52);
        Random r = new Random(1);
        for (int i = 0; i < 1000; i++) {
            int a = r.nextInt();
            int b = r.nextInt();
            int pa = r.nextInt(65536);
            int pb = r.nextInt(65536);
            assertEquals(t.hash(a, b, pa, pb), t.hash(b, a, pb, pa));
        }
    }

    @Test
    void the_redirection_table_makes_the_port_pick_the_queue_the_stack_predicts() {
        Random r = new Random(2);
        for (int size : new int[] {128, 512}) {
            for (int queues : new int[] {2, 3, 6}) {
                int[] table = DpdkDevice.redirectionTable(size, queues);
                for (int i = 0; i < 10_000; i++) {
                    int hash = r.nextInt();
                    // The NIC: the hash's low bits index the table.
                    assertEquals(Toeplitz.queueOf(hash, queues), table[hash & (size - 1)], size + " entries, " + queues + " queues");
                }
            }
        }
        assertNull(DpdkDevice.redirectionTable(64, 3), "a 64-entry table cannot follow the 128-entry model");
    }

    private static DpdkPortInfo port(String driver, int maxRxPacketLength, int maxMtu, long rxCapa) {
        return new DpdkPortInfo(driver, 0, 16, 16, rxCapa, 0, 0, 46, maxMtu, maxRxPacketLength, 0, 0, 0, 4096, 0, 4096, -1);
    }
}
