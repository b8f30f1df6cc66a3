package dev.bypass.nic.driver;

import dev.bypass.stack.device.NetworkDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The counters a device publishes next to its stack's: a fixed list, known when the device opens, each
 * read on the poll thread without allocating (the process copies them into its counters file every
 * millisecond or so). Every driver gives at least the {@link #standard} six; a NIC with extended
 * statistics (DPDK's xstats) adds its own after them, named as the NIC names them.
 */
public interface DeviceCounters {
    /** How many counters. */
    int count();

    /** Label of counter {@code i}, e.g. {@code dev.rx_packets}; fixed once the device is open. */
    String label(int i);

    /** What a non-zero value of counter {@code i} means. */
    String meaning(int i);

    /** The current value of counter {@code i}; called on the poll thread, allocation-free. */
    long value(int i);

    /** One counter: a label, its meaning and where its value comes from. */
    record Entry(String label, String meaning, LongSupplier value) {
    }

    /** Counters over a list of entries. */
    static DeviceCounters of(List<Entry> entries) {
        Entry[] array = entries.toArray(Entry[]::new);
        return new DeviceCounters() {
            @Override
            public int count() {
                return array.length;
            }

            @Override
            public String label(int i) {
                return array[i].label();
            }

            @Override
            public String meaning(int i) {
                return array[i].meaning();
            }

            @Override
            public long value(int i) {
                return array[i].value().getAsLong();
            }
        };
    }

    /**
     * The counters every device has: packets and bytes each way ({@code rxPackets} ...), the drops the
     * {@link NetworkDevice} SPI reports, and the free frames of its pool; then {@code extra}.
     */
    static DeviceCounters standard(NetworkDevice device, LongSupplier rxPackets, LongSupplier rxBytes,
                                   LongSupplier txPackets, LongSupplier txBytes, List<Entry> extra) {
        List<Entry> all = new ArrayList<>();
        all.add(new Entry("dev.rx_packets", "frames the device received and handed to the stack", rxPackets));
        all.add(new Entry("dev.rx_bytes", "bytes of those frames", rxBytes));
        all.add(new Entry("dev.rx_dropped", "frames the device dropped on receive (no buffer, queue full, errors)",
            device::rxDropped));
        all.add(new Entry("dev.tx_packets", "frames the device put on the wire", txPackets));
        all.add(new Entry("dev.tx_bytes", "bytes of those frames", txBytes));
        all.add(new Entry("dev.tx_dropped", "frames the device dropped on transmit (queue full, link down, errors)",
            device::txDropped));
        all.add(new Entry("dev.pool_free", "frames free in the device's pool now (a gauge): near 0 means the pool is "
            + "too small for the traffic", () -> device.pool().available()));
        all.addAll(extra);
        return of(all);
    }
}
