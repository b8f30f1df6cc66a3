package dev.bypass.nic.dpdk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A port's extended statistics (DPDK xstats: the NIC's own counters, e.g. {@code rx_missed_errors},
 * {@code rx_good_packets}) read into memory allocated once, so a poll thread can refresh them without
 * allocating. Names are fixed when the port opens; {@link #refresh} reads every value with one
 * {@code rte_eth_xstats_get}, at most once per {@code minIntervalNs} (some PMDs read them through a
 * system call, which the poll thread should not make every duty cycle).
 */
public final class DpdkXstats {
    private static final long STRIDE = DpdkShim.bp_xstat.LAYOUT.byteSize();
    private static final long ID_OFFSET = DpdkShim.bp_xstat.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("id"));
    private static final long VALUE_OFFSET =
        DpdkShim.bp_xstat.LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("value"));
    private final short port;
    private final List<String> names;
    private final MemorySegment values;
    private final long[] snapshot;
    private final long minIntervalNs;
    private long refreshedAtNs;
    private boolean refreshed;

    DpdkXstats(int port, long minIntervalNs) {
        this.port = (short) port;
        this.minIntervalNs = minIntervalNs;
        int count = Math.max(0, DpdkShim.bp_eth_xstats_get_names(this.port, MemorySegment.NULL, 0));
        List<String> list = new ArrayList<>(count);
        Arena arena = Arena.ofAuto();
        if (count > 0) {
            MemorySegment nameTable = arena.allocate((long) count * DpdkShim.BP_XSTATS_NAME_SIZE);
            int n = Math.min(count, DpdkShim.bp_eth_xstats_get_names(this.port, nameTable, count));
            for (int i = 0; i < n; i++) {
                list.add(nameTable.getString((long) i * DpdkShim.BP_XSTATS_NAME_SIZE, StandardCharsets.US_ASCII));
            }
        }
        this.names = List.copyOf(list);
        this.values = arena.allocate(DpdkShim.bp_xstat.LAYOUT, Math.max(1, names.size()));
        this.snapshot = new long[names.size()];
    }

    /** The statistics' names, in id order. */
    public List<String> names() {
        return names;
    }

    /** Reads every value if the last read is older than the interval; no allocation. */
    public void refresh(long nowNs) {
        if (names.isEmpty() || (refreshed && nowNs - refreshedAtNs < minIntervalNs)) {
            return;
        }
        refreshed = true;
        refreshedAtNs = nowNs;
        int n = DpdkShim.bp_eth_xstats_get(port, values, names.size());
        for (int i = 0; i < n && i < snapshot.length; i++) {
            long at = i * STRIDE;
            int id = (int) values.get(ValueLayout.JAVA_LONG, at + ID_OFFSET);
            if (id >= 0 && id < snapshot.length) {
                snapshot[id] = values.get(ValueLayout.JAVA_LONG, at + VALUE_OFFSET);
            }
        }
    }

    /** The value of statistic {@code id} at the last {@link #refresh}. */
    public long value(int id) {
        return snapshot[id];
    }
}
