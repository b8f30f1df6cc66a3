package dev.bypass.nic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two-host network of the documentation, as the stack and the demo build it, run in virtual time. */
class TwoHostExampleTest {
    @TempDir
    Path dir;

    @Test
    void two_hosts_on_an_in_memory_network_with_a_delayed_captured_link() throws Exception {
        InMemoryNetwork network = new InMemoryNetwork(2);
        InMemoryNic nicA = network.connect(InMemoryNicConfig.builder("host-a", MacAddress.local(1))
            .offloads(DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM | DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM).build());
        InMemoryNic nicB = network.connect(InMemoryNicConfig.builder("host-b", MacAddress.local(2)).rxQueues(2).build());
        NetworkDevice deviceA = new PcapDevice(
            new FaultInjectingDevice(nicA, FaultConfig.builder(42).lossPercent(0).delayNs(50_000).build()),
            dir.resolve("host-a.pcap"), 1_700_000_000_000_000_000L);
        // Stack A polls deviceA, stack B polls nicB: each on its own thread, or one thread in virtual time.

        byte[] bytes = Packets.between(MacAddress.local(1).bits(), MacAddress.local(2).bits()).udp(new byte[] {1, 2, 3});
        deviceA.transmit(0, Packets.frame(deviceA.pool(), bytes), 0);
        deviceA.flush(0, 0);
        assertEquals(50_000, deviceA.nextDeadlineNs());
        deviceA.flush(0, deviceA.nextDeadlineNs());
        Frame[] frames = new Frame[8];
        int received = nicB.receive(0, frames, 8, 50_000) + nicB.receive(1, frames, 8, 50_000);

        assertEquals(1, received);
        assertArrayEquals(bytes, Packets.take(frames[0]));
        deviceA.close();
        nicB.close();
    }
}
