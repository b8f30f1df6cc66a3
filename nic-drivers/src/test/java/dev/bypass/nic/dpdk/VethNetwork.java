package dev.bypass.nic.dpdk;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.testing.netns.NetNs;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A veth pair between two namespaces made for a test, one end opened by DPDK's af_packet PMD, the other
 * left to the kernel:
 *
 * <pre>
 *   namespace bp-&lt;pid&gt;-dpdk-&lt;n&gt;                       namespace bp-&lt;pid&gt;-kern-&lt;n&gt;
 *   veth bpd&lt;pid&gt;-&lt;k&gt;   (no address, IPv6 off)  ====  veth bpk&lt;pid&gt;-&lt;k&gt;   198.18.X.1/24, IPv6 off,
 *   opened by DpdkDevice (af_packet)                   tx checksum, TSO and GSO off
 *   (our side: 198.18.X.2, by convention)
 * </pre>
 *
 * Nothing is created in the host's namespace: the pair is made inside the kernel's namespace with its
 * peer put straight into the DPDK one. The DPDK side's kernel must stay silent (af_packet sees every
 * frame the kernel sends on the interface too), hence no address and no IPv6 there. The kernel side sends
 * whole frames with real checksums: af_packet cannot take the kernel's partial-checksum super-frames.
 * {@link #close()} closes the device, then deletes both namespaces (which deletes the pair).
 */
public final class VethNetwork implements AutoCloseable {
    private static final AtomicInteger SUBNETS = new AtomicInteger(1);

    private final NetNs dpdkSide;
    private final NetNs kernel;
    private final String dpdkLink;
    private final String kernelLink;
    private final int subnet;
    private final long kernelMac;
    private final DpdkDevice device;

    private VethNetwork(NetNs dpdkSide, NetNs kernel, String dpdkLink, String kernelLink, int subnet, long kernelMac,
                        DpdkDevice device) {
        this.dpdkSide = dpdkSide;
        this.kernel = kernel;
        this.dpdkLink = dpdkLink;
        this.kernelLink = kernelLink;
        this.subnet = subnet;
        this.kernelMac = kernelMac;
        this.device = device;
    }

    /** A network on the next free 198.18.X.0/24 of this JVM, the device with a default af_packet config. */
    public static VethNetwork open(DpdkEal eal) throws DpdkException {
        return open(eal, UnaryOperator.identity());
    }

    /** As {@link #open(DpdkEal)}, with the device's config adjusted (queues, pool). */
    public static VethNetwork open(DpdkEal eal, UnaryOperator<DpdkConfig> config) throws DpdkException {
        return open(eal, 1, config);
    }

    /** As {@link #open(DpdkEal, UnaryOperator)}, the af_packet port with {@code queues} queue pairs. */
    public static VethNetwork open(DpdkEal eal, int queues, UnaryOperator<DpdkConfig> config) throws DpdkException {
        int subnet = 100 + SUBNETS.getAndIncrement() % 150;
        NetNs dpdkSide = null;
        NetNs kernel = null;
        try {
            dpdkSide = NetNs.create("dpdk");
            kernel = NetNs.create("kern");
            String dpdkLink = NetNs.uniqueLinkName("bpd");
            String kernelLink = NetNs.uniqueLinkName("bpk");
            kernel.exec("ip", "link", "add", kernelLink, "type", "veth", "peer", "name", dpdkLink, "netns",
                dpdkSide.name()).requireSuccess();
            dpdkSide.sysctl("net.ipv6.conf." + dpdkLink + ".disable_ipv6", "1");
            kernel.sysctl("net.ipv6.conf." + kernelLink + ".disable_ipv6", "1");
            kernel.exec("ethtool", "-K", kernelLink, "tx", "off", "tso", "off", "gso", "off").requireSuccess();
            kernel.addAddress(kernelLink, "198.18." + subnet + ".1/24");
            dpdkSide.linkUp(dpdkLink);
            kernel.linkUp(kernelLink);
            long kernelMac = MacAddress.parse(kernel.linkMac(kernelLink)).bits();
            DpdkDevice device = DpdkDevice.open(eal,
                config.apply(DpdkConfig.afPacket(dpdkLink, queues).withNetworkNamespace(dpdkSide.name())));
            return new VethNetwork(dpdkSide, kernel, dpdkLink, kernelLink, subnet, kernelMac, device);
        } catch (DpdkException | RuntimeException e) {
            if (kernel != null) {
                kernel.close();
            }
            if (dpdkSide != null) {
                dpdkSide.close();
            }
            throw e;
        }
    }

    public DpdkDevice device() {
        return device;
    }

    /** The namespace of the kernel end (198.18.X.1). */
    public NetNs kernel() {
        return kernel;
    }

    /** The namespace of the end DPDK opened. */
    public NetNs dpdkSide() {
        return dpdkSide;
    }

    public String kernelLink() {
        return kernelLink;
    }

    public String dpdkLink() {
        return dpdkLink;
    }

    /** 198.18.X.1: the kernel's address. */
    public int kernelIp() {
        return IpAddress.ofV4(198, 18, subnet, 1).v4();
    }

    public String kernelIpText() {
        return IpAddress.v4ToString(kernelIp());
    }

    /** 198.18.X.2: the address the test gives the DPDK side. */
    public int deviceIp() {
        return IpAddress.ofV4(198, 18, subnet, 2).v4();
    }

    public String deviceIpText() {
        return IpAddress.v4ToString(deviceIp());
    }

    /** The kernel end's MAC: where frames from the device must be addressed. */
    public long kernelMac() {
        return kernelMac;
    }

    /** Frames the kernel end received, from its interface statistics. */
    public long kernelRxPackets() {
        return Long.parseLong(kernel.exec("cat", "/sys/class/net/" + kernelLink + "/statistics/rx_packets")
            .requireSuccess().stdout().strip());
    }

    @Override
    public void close() {
        try {
            device.close();
        } finally {
            try {
                kernel.close();
            } finally {
                dpdkSide.close();
            }
        }
    }
}
