package dev.bypass.nic.dpdk;

import dev.bypass.nic.driver.DeviceCounters;
import dev.bypass.nic.driver.InvalidSettingException;
import dev.bypass.nic.driver.OpenedResource;
import dev.bypass.nic.driver.ResourceDriver;
import dev.bypass.nic.driver.ResourceSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code driver = "dpdk"}: a {@link DpdkDevice}, a NIC driven by DPDK from this process.
 *
 * <p>Keys of its own:
 * <ul>
 *   <li>{@code af-packet} (an interface name): DPDK's af_packet PMD over that Linux interface, the way to run on
 *       a veth or any kernel link without a DPDK NIC ({@code hw-test/rig.sh} builds such links);</li>
 *   <li>{@code device}: otherwise, the port as DPDK names it: a PCI address ({@code 0000:03:00.0}, the NIC bound
 *       to vfio-pci, or a ConnectX port left with mlx5) or a virtual device's arguments
 *       ({@code net_tap0,iface=dtap0});</li>
 *   <li>{@code netns}: the network namespace to open the port in (af_packet finds its interface there);</li>
 *   <li>{@code af-packet-frame-size}: af_packet's ring slot, 2048 to 32768 bytes, for frames (or kernel-reassembled
 *       datagrams) above about 2000 bytes;</li>
 *   <li>{@code flow-isolation} ({@code off}, {@code on}, {@code auto}): only ARP and IPv4 to the resource's
 *       {@code address} reach the port ({@link FlowIsolation}); on a bifurcated NIC (mlx5) the kernel keeps
 *       everything else. {@code on} fails the open where the PMD cannot isolate (af_packet), {@code auto} opens
 *       without isolation and says why in the banner.</li>
 * </ul>
 *
 * <p>The process starts DPDK's EAL once, with the configuration's {@code [eal] args} as they are when given,
 * else for virtual devices (no hugepages, no PCI scan, the {@code [eal] file-prefix}).
 */
public final class DpdkDriver implements ResourceDriver {
    public static final String TYPE = "dpdk";
    public static final String KEY_AF_PACKET = "af-packet";
    public static final String KEY_DEVICE = "device";
    public static final String KEY_NETNS = "netns";
    public static final String KEY_AF_PACKET_FRAME_SIZE = "af-packet-frame-size";
    public static final String KEY_FLOW_ISOLATION = "flow-isolation";
    private static final long XSTATS_INTERVAL_NS = 100_000_000L;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String description() {
        return "a NIC driven by DPDK through FFM (PCI, mlx5, or af_packet over a Linux interface)";
    }

    @Override
    public Set<String> keys() {
        return Set.of(KEY_AF_PACKET, KEY_DEVICE, KEY_NETNS, KEY_AF_PACKET_FRAME_SIZE, KEY_FLOW_ISOLATION);
    }

    @Override
    public OpenedResource open(ResourceSettings s) throws Exception {
        DpdkConfig config = config(s);
        DpdkEal eal = DpdkEal.start(ealConfig(s.eal()));
        DpdkDevice device = DpdkDevice.open(eal, config);
        try {
            List<DeviceCounters.Entry> extra = new ArrayList<>();
            for (DpdkCounter c : DpdkCounter.values()) {
                if (c != DpdkCounter.RX_FRAMES && c != DpdkCounter.RX_BYTES && c != DpdkCounter.TX_FRAMES
                    && c != DpdkCounter.TX_BYTES) {
                    extra.add(new DeviceCounters.Entry(c.label(), c.meaning(), () -> device.counter(c)));
                }
            }
            // The NIC's own statistics after ours, as it names them, refreshed at most every 100 ms.
            DpdkXstats xstats = device.xstatsReader(XSTATS_INTERVAL_NS);
            for (int i = 0; i < xstats.names().size(); i++) {
                int id = i;
                extra.add(new DeviceCounters.Entry("nic." + xstats.names().get(i), "the NIC's extended statistic "
                    + xstats.names().get(i) + " (DPDK xstats)", () -> {
                        if (id == 0) {
                            xstats.refresh(System.nanoTime());
                        }
                        return xstats.value(id);
                    }));
            }
            DeviceCounters counters = DeviceCounters.standard(device, () -> device.counter(DpdkCounter.RX_FRAMES),
                () -> device.counter(DpdkCounter.RX_BYTES), () -> device.counter(DpdkCounter.TX_FRAMES),
                () -> device.counter(DpdkCounter.TX_BYTES), extra);
            return new OpenedResource(device, counters, "DPDK " + config.deviceName() + ", mtu " + device.mtu() + ", "
                + s.queues() + " queue(s), offloads " + device.capabilities() + (config.networkNamespace() == null ? ""
                : ", netns " + config.networkNamespace()) + (config.flowIsolation().enabled()
                ? ", flow isolation " + device.flowIsolationStatus() : ""));
        } catch (RuntimeException | Error e) {
            device.close();
            throw e;
        }
    }

    /** The port's configuration from a resource's settings; an {@link InvalidSettingException} names a bad key. */
    static DpdkConfig config(ResourceSettings s) throws InvalidSettingException {
        String afPacket = s.option(KEY_AF_PACKET, "");
        String device = s.option(KEY_DEVICE, "");
        if (afPacket.isEmpty() == device.isEmpty()) {
            throw new InvalidSettingException(KEY_DEVICE, device, "give exactly one of af-packet = \"IFACE\" (DPDK's "
                + "af_packet over a Linux interface) and device = \"PCI address or vdev arguments\"");
        }
        DpdkConfig config;
        if (!afPacket.isEmpty()) {
            try {
                config = DpdkConfig.afPacket(afPacket, s.queues());
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException(KEY_AF_PACKET, afPacket, e.getMessage());
            }
            String frameSize = s.option(KEY_AF_PACKET_FRAME_SIZE, "");
            if (!frameSize.isEmpty()) {
                try {
                    config = config.withAfPacketFrameSize(Integer.parseInt(frameSize));
                } catch (IllegalArgumentException e) {
                    throw new InvalidSettingException(KEY_AF_PACKET_FRAME_SIZE, frameSize, e.getMessage());
                }
            }
        } else {
            int comma = device.indexOf(',');
            config = comma < 0 ? DpdkConfig.port(device)
                : DpdkConfig.port(device.substring(0, comma)).withDevargs(device);
            config = config.withQueues(s.queues(), s.queues());
        }
        String netns = s.option(KEY_NETNS, "");
        if (!netns.isEmpty()) {
            config = config.withNetworkNamespace(netns);
        }
        config = config.withMtu(s.mtu()).withHardwareOffloads(s.offloads());
        String isolation = s.option(KEY_FLOW_ISOLATION, "off");
        try {
            config = config.withFlowIsolation(FlowIsolation.of(FlowIsolation.Mode.parse(isolation), s.ipv4Address()));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(KEY_FLOW_ISOLATION, isolation, e.getMessage());
        }
        if (s.poolFrames() > 0) {
            config = config.withPool(s.poolFrames(), config.mbufDataRoom());
        }
        if (s.txQueueFrames() > 0) {
            config = config.withTxQueueFrames(s.txQueueFrames());
        }
        return config;
    }

    /** The EAL's configuration from the {@code [eal]} section. */
    static DpdkEalConfig ealConfig(ResourceSettings.Eal eal) {
        DpdkEalConfig config = DpdkEalConfig.forVirtualDevices().withFilePrefix(eal.filePrefix());
        return eal.args().isEmpty() ? config : config.withRawArguments(eal.args());
    }
}
