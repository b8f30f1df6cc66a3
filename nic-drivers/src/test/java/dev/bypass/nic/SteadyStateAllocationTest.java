package dev.bypass.nic;

import static dev.bypass.nic.testing.Packets.payload;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.capture.PcapDevice;
import dev.bypass.nic.fault.FaultConfig;
import dev.bypass.nic.fault.FaultInjectingDevice;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.nic.testing.Packets;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.NetworkDevice;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poll thread's data path allocates nothing per frame: a capture around a faulty wire around an
 * offloading in-memory NIC, sending checksum-offloaded frames and TSO super-frames to a NIC with RSS,
 * measured with the JVM's per-thread allocation counter.
 */
class SteadyStateAllocationTest {
    private static final MacAddress MAC_A = MacAddress.local(0xA);
    private static final MacAddress MAC_B = MacAddress.local(0xB);

    @TempDir
    Path dir;

    @Test
    void the_data_path_allocates_nothing_per_frame() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        InMemoryNetwork network = new InMemoryNetwork(2);
        InMemoryNic a = network.connect(InMemoryNicConfig.builder("a", MAC_A)
            .offloads(DeviceCapabilities.OFFLOAD_TSO | DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM
                | DeviceCapabilities.OFFLOAD_TX_UDP_CHECKSUM | DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM)
            .maxTsoBytes(9000).frameCapacityBytes(9200).poolFrames(1024).build());
        FaultConfig faults = FaultConfig.builder(1).lossPercent(1).duplicatePercent(1).reorderPercent(1).corruptPercent(1)
            .delayNs(2_000).jitterNs(1_000).rate(10_000_000_000L, 1 << 20).build();
        try (NetworkDevice sender = new PcapDevice(new FaultInjectingDevice(a, faults), dir.resolve("alloc.pcap"), 0);
             InMemoryNic b = network.connect(InMemoryNicConfig.builder("b", MAC_B).rxQueues(4).build())) {
            Traffic traffic = new Traffic(sender, b);
            traffic.run(20_000, 0); // warm up: class loading, JIT, capture thread started
            long before = threads.getCurrentThreadAllocatedBytes();
            long frames = traffic.run(50_000, 20_000);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertTrue(frames > 50_000, "frames received: " + frames);
            assertTrue(allocated < frames / 4, allocated + " bytes allocated for " + frames + " frames");
        }
    }

    /** A poll loop in virtual time: 1 us per round, a UDP frame each round and a super-frame every tenth. */
    private static final class Traffic {
        private final NetworkDevice sender;
        private final InMemoryNic receiver;
        private final Packets udp = Packets.between(MAC_A.bits(), MAC_B.bits());
        private final byte[] udpFrame = Packets.asOffloaded(udp.udp(payload(300, 1)), Packets.CHECKSUMS_UDP);
        private final byte[] superFrame = Packets.asOffloaded(udp.tcp(payload(8000, 2)), Packets.TSO);
        private final Frame[] burst = new Frame[64];

        Traffic(NetworkDevice sender, InMemoryNic receiver) {
            this.sender = sender;
            this.receiver = receiver;
        }

        long run(int rounds, long startUs) {
            long received = 0;
            for (int round = 0; round < rounds; round++) {
                long nowNs = (startUs + round) * 1_000;
                sender.transmit(0, offloaded(udpFrame, Packets.CHECKSUMS_UDP, 0), nowNs);
                if (round % 10 == 0) {
                    sender.transmit(0, offloaded(superFrame, Packets.TSO, 1460), nowNs);
                }
                sender.flush(0, nowNs);
                for (int q = 0; q < 4; q++) {
                    int n = receiver.receive(q, burst, burst.length, nowNs);
                    for (int i = 0; i < n; i++) {
                        burst[i].release();
                    }
                    received += n;
                }
            }
            return received;
        }

        /** A frame as the stack hands it over, copied from a prepared image: no allocation. */
        private Frame offloaded(byte[] image, int txFlags, int segmentBytes) {
            Frame f = sender.pool().allocate();
            f.buffer().putBytes(f.offset(), image);
            f.length(image.length);
            f.txOffload(txFlags, 14, 20, txFlags == Packets.TSO ? 20 : 8, segmentBytes);
            return f;
        }
    }
}
