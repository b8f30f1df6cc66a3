package dev.bypass.nic.dpdk;

import static dev.bypass.nic.dpdk.DpdkFramePool.NATIVE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/**
 * The mbuf field offsets the Java fast path uses agree with the shim's accessor functions (compiled C
 * reading the fields by name), both ways. Needs EAL (a mempool), like the device tests.
 */
class MbufLayoutTest {
    @Test
    void java_offsets_and_c_accessors_see_the_same_fields() throws Exception {
        DpdkEal eal = DpdkTesting.requireEal();
        MbufLayout layout = eal.mbufLayout();
        long pool;
        try (Arena arena = Arena.ofConfined()) {
            pool = DpdkShim.bp_pktmbuf_pool_create(arena.allocateFrom("bp_layout_test"), 63, 0, (short) 0,
                (short) 2176, -1);
        }
        assertNotEquals(0, pool, () -> "mempool: " + DpdkEal.strerror(DpdkShim.bp_errno()));
        try {
            long m = DpdkShim.bp_pktmbuf_alloc(pool);
            assertNotEquals(0, m);
            assertEquals(62, DpdkShim.bp_mempool_avail_count(pool));
            // Fresh mbuf: C and Java read the same values.
            assertEquals(DpdkShim.bp_mbuf_buf_addr(m), NATIVE.get(JAVA_LONG, m + layout.bufAddr()));
            assertEquals(2176, Short.toUnsignedInt(DpdkShim.bp_mbuf_buf_len(m)));
            assertEquals(2176, Short.toUnsignedInt(NATIVE.get(JAVA_SHORT, m + layout.bufLen())));
            assertEquals(layout.headroom(), DpdkShim.bp_mbuf_data_off(m));
            assertEquals(1, NATIVE.get(JAVA_SHORT, m + layout.nbSegs()));
            assertEquals(1, DpdkShim.bp_mbuf_refcnt_read(m));
            assertEquals(DpdkShim.bp_pktmbuf_mtod(m), DpdkShim.bp_mbuf_buf_addr(m) + layout.headroom());

            // Written by Java at the offsets, read by C through the fields' names.
            NATIVE.set(JAVA_SHORT, m + layout.dataOff(), (short) 100);
            NATIVE.set(JAVA_SHORT, m + layout.dataLen(), (short) 1514);
            NATIVE.set(JAVA_INT, m + layout.pktLen(), 1514);
            NATIVE.set(JAVA_LONG, m + layout.olFlags(), DpdkShim.BP_MBUF_F_TX_IPV4 | DpdkShim.BP_MBUF_F_TX_TCP_SEG);
            NATIVE.set(JAVA_LONG, m + layout.txOffload(), layout.txOffloadWord(14, 20, 32, 1448));
            assertEquals(100, DpdkShim.bp_mbuf_data_off(m));
            assertEquals(1514, DpdkShim.bp_pktmbuf_data_len(m));
            assertEquals(1514, DpdkShim.bp_pktmbuf_pkt_len(m));
            assertEquals(2176 - 100 - 1514, DpdkShim.bp_pktmbuf_tailroom(m));
            assertEquals(DpdkShim.BP_MBUF_F_TX_IPV4 | DpdkShim.BP_MBUF_F_TX_TCP_SEG, DpdkShim.bp_mbuf_ol_flags(m));
            assertEquals(14, DpdkShim.bp_mbuf_l2_len(m));
            assertEquals(20, DpdkShim.bp_mbuf_l3_len(m));
            assertEquals(32, DpdkShim.bp_mbuf_l4_len(m));
            assertEquals(1448, DpdkShim.bp_mbuf_tso_segsz(m));

            // Written by C, read by Java.
            DpdkShim.bp_mbuf_set_tx_offload(m, (short) 18, (short) 24, (short) 20, (short) 536);
            assertEquals(layout.txOffloadWord(18, 24, 20, 536), NATIVE.get(JAVA_LONG, m + layout.txOffload()));
            assertEquals(2, DpdkShim.bp_mbuf_refcnt_update(m, (short) 1));
            assertEquals(2, NATIVE.get(JAVA_SHORT, m + layout.refcnt()));
            DpdkShim.bp_pktmbuf_free(m); // 2 -> 1: still allocated
            assertEquals(62, DpdkShim.bp_mempool_avail_count(pool));
            DpdkShim.bp_pktmbuf_free(m);
            assertEquals(63, DpdkShim.bp_mempool_avail_count(pool));
        } finally {
            DpdkShim.bp_mempool_free(pool);
        }
    }
}
