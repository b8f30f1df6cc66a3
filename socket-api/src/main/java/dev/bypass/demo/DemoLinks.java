package dev.bypass.demo;

import dev.bypass.nic.fault.FaultConfig;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.DeviceCapabilities;

/** The demos' NICs and the links they model: one place for both the virtual-time and the two-host demo. */
final class DemoLinks {
    /** What a demo's options say of the link: its faults, delay and rate. */
    interface LinkOptions {
        double lossPercent();

        double reorderPercent();

        double duplicatePercent();

        double corruptPercent();

        long oneWayDelayNs();

        long linkBitsPerSecond();
    }

    private DemoLinks() {
    }

    /** An in-memory NIC of {@code poolFrames} frames with {@code offloads}; TSO up to 64 KiB when offered. */
    static InMemoryNicConfig nic(String name, int id, int offloads, int poolFrames) {
        InMemoryNicConfig.Builder b = InMemoryNicConfig.builder(name, MacAddress.local(id)).poolFrames(poolFrames)
            .offloads(offloads);
        if ((offloads & DeviceCapabilities.OFFLOAD_TSO) != 0) {
            b.maxTsoBytes(65536).frameCapacityBytes(65536 + 256);
        }
        return b.build();
    }

    /** The faults, delay and rate of one direction of a link, seeded; at most {@code maxHeldFrames} in flight. */
    static FaultConfig link(LinkOptions o, long seed, int maxHeldFrames) {
        FaultConfig.Builder f = FaultConfig.builder(seed).lossPercent(o.lossPercent()).reorderPercent(o.reorderPercent())
            .duplicatePercent(o.duplicatePercent()).corruptPercent(o.corruptPercent()).delayNs(o.oneWayDelayNs())
            .maxHeldFrames(maxHeldFrames);
        if (o.linkBitsPerSecond() > 0) {
            f.rate(o.linkBitsPerSecond(), 4 << 20);
        }
        return f.build();
    }
}
