package dev.bypass.nic.dpdk;

import dev.bypass.nic.dpdk.DpdkShim.bp_mbuf_layout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Where {@code struct rte_mbuf} keeps the fields the fast path touches, as the shim was compiled (its
 * {@code bp_mbuf_layout}): byte offsets from the start of an mbuf, and bit positions in the
 * {@code tx_offload} word. Reading the offsets from the library, not writing them down here, keeps the
 * Java side right for whatever DPDK build the shim was compiled against.
 */
record MbufLayout(int mbufSize, int headroom, int bufAddr, int dataOff, int refcnt, int nbSegs, int port,
                  int olFlags, int packetType, int pktLen, int dataLen, int vlanTci, int hashRss, int bufLen,
                  int pool, int next, int txOffload, int l2LenShift, int l3LenShift, int l4LenShift,
                  int tsoSegszShift) {

    /** Asks the shim (which must be loadable: {@link DpdkLibrary#load()}). */
    static MbufLayout read() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = bp_mbuf_layout.allocate(arena);
            DpdkShim.bp_mbuf_layout(s);
            return new MbufLayout(bp_mbuf_layout.mbuf_size(s), bp_mbuf_layout.headroom(s), bp_mbuf_layout.buf_addr(s),
                bp_mbuf_layout.data_off(s), bp_mbuf_layout.refcnt(s), bp_mbuf_layout.nb_segs(s), bp_mbuf_layout.port(s),
                bp_mbuf_layout.ol_flags(s), bp_mbuf_layout.packet_type(s), bp_mbuf_layout.pkt_len(s),
                bp_mbuf_layout.data_len(s), bp_mbuf_layout.vlan_tci(s), bp_mbuf_layout.hash_rss(s),
                bp_mbuf_layout.buf_len(s), bp_mbuf_layout.pool(s), bp_mbuf_layout.next(s), bp_mbuf_layout.tx_offload(s),
                bp_mbuf_layout.l2_len_shift(s), bp_mbuf_layout.l3_len_shift(s), bp_mbuf_layout.l4_len_shift(s),
                bp_mbuf_layout.tso_segsz_shift(s));
        }
    }

    /** The {@code tx_offload} word for these header lengths (outer lengths 0), as {@code rte_mbuf_tx_offload}. */
    long txOffloadWord(int l2Length, int l3Length, int l4Length, int tsoSegmentSize) {
        return ((long) (l2Length & 0x7F) << l2LenShift)
            | ((long) (l3Length & 0x1FF) << l3LenShift)
            | ((long) (l4Length & 0xFF) << l4LenShift)
            | ((long) (tsoSegmentSize & 0xFFFF) << tsoSegszShift);
    }
}
