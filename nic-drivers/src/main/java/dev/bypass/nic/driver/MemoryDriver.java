package dev.bypass.nic.driver;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.DeviceCapabilities;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code driver = "memory"}: an {@link InMemoryNic} plugged into an in-memory switch of this process. The
 * resources naming the same {@code network} (default {@code default}) share one switch, so two resources of
 * one process can talk, and a test can plug its own NIC into {@link #network(String)} to reach a server.
 * Nothing outside the process reaches it.
 *
 * <p>{@code offloads = true} offers checksum offload and TSO (completed in software by the switch), as the
 * demo's NICs.
 */
public final class MemoryDriver implements ResourceDriver {
    public static final String TYPE = "memory";
    public static final String KEY_NETWORK = "network";
    /** Ports of each switch: more than the resources and test hosts of any process. */
    public static final int SWITCH_PORTS = 64;
    private static final int TSO_BYTES = 65536;
    private static final Map<String, InMemoryNetwork> NETWORKS = new ConcurrentHashMap<>();
    private static final AtomicLong MACS = new AtomicLong(0xB_0000);

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String description() {
        return "in-memory NIC on a switch shared by this process (for tests and demos; nothing outside reaches it)";
    }

    @Override
    public Set<String> keys() {
        return Set.of(KEY_NETWORK);
    }

    /** The switch called {@code name}, made on first use. */
    public static InMemoryNetwork network(String name) {
        return NETWORKS.computeIfAbsent(name, n -> new InMemoryNetwork(SWITCH_PORTS));
    }

    @Override
    public OpenedResource open(ResourceSettings s) {
        long mac = s.macAddress() == ResourceSettings.DEFAULT_MAC ? MacAddress.local(MACS.incrementAndGet()).bits()
            : s.macAddress();
        if (s.mtu() < InMemoryNicConfig.MIN_MTU || s.mtu() > InMemoryNicConfig.MAX_MTU) {
            throw new InvalidSettingException("mtu", Integer.toString(s.mtu()), "must be " + InMemoryNicConfig.MIN_MTU
                + ".." + InMemoryNicConfig.MAX_MTU + " for an in-memory NIC");
        }
        InMemoryNicConfig.Builder b = InMemoryNicConfig.builder(s.name(), new MacAddress(mac)).mtu(s.mtu())
            .rxQueues(s.queues()).txQueues(s.queues());
        if (s.poolFrames() > 0) {
            b.poolFrames(s.poolFrames());
        }
        if (s.txQueueFrames() > 0) {
            b.txQueueFrames(s.txQueueFrames());
        }
        if (s.offloads()) {
            b.offloads(DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM | DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM
                    | DeviceCapabilities.OFFLOAD_TX_UDP_CHECKSUM | DeviceCapabilities.OFFLOAD_TSO)
                .maxTsoBytes(TSO_BYTES).frameCapacityBytes(TSO_BYTES + 256);
        }
        String networkName = s.option(KEY_NETWORK, "default");
        InMemoryNic nic = network(networkName).connect(b.build());
        DeviceCounters counters = DeviceCounters.standard(nic, nic::rxFrames, nic::rxBytes, nic::txFrames, nic::txBytes,
            List.of(
                new DeviceCounters.Entry("mem.rx.drop.no_buffer", "frame dropped on receive: pool empty", nic::rxNoBuffer),
                new DeviceCounters.Entry("mem.rx.drop.ring_full", "frame dropped: receive ring full (poll thread too slow)",
                    nic::rxRingFull),
                new DeviceCounters.Entry("mem.tx.drop.queue_full", "frame dropped: transmit queue full between flushes",
                    nic::txQueueFull),
                new DeviceCounters.Entry("mem.tx.drop.link_down", "frame dropped: link down", nic::txLinkDown)));
        return new OpenedResource(nic, counters, "in-memory NIC on switch '" + networkName + "' port " + nic.port()
            + ", " + MacAddress.toString(mac) + ", mtu " + s.mtu() + ", " + s.queues() + " queue" + (s.queues() == 1 ? "" : "s")
            + ", offloads " + DeviceCapabilities.describe(nic.capabilities().offloads()));
    }
}
