package dev.bypass.nic.tap;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.testing.netns.NetNs;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A {@link TapDevice} wired to a kernel in a namespace of its own, for tests:
 *
 * <pre>
 *   this JVM (host namespace)              namespace bp-&lt;pid&gt;-tap-&lt;n&gt;
 *   TapDevice "bpt&lt;pid&gt;-&lt;n&gt;"  ==== fd ====  link "bpt&lt;pid&gt;-&lt;n&gt;"  198.18.X.1/24, IPv6 off
 *   (our side: 198.18.X.2, by convention)
 * </pre>
 *
 * The TAP is opened in the host's namespace, then its kernel side is moved into a fresh namespace, so the
 * kernel's traffic stays inside it; the descriptor keeps working across the move. IPv6 is disabled on the
 * link before it comes up, so no router solicitations or DAD probes reach the device: every frame a test
 * reads is one it provoked. {@link #close()} closes the device (which deletes the link) and the namespace.
 */
public final class TapNetwork implements AutoCloseable {
    private static final AtomicInteger SUBNETS = new AtomicInteger(1);

    private final TapDevice device;
    private final NetNs namespace;
    private final int subnet;
    private final long kernelMac;

    private TapNetwork(TapDevice device, NetNs namespace, int subnet, long kernelMac) {
        this.device = device;
        this.namespace = namespace;
        this.subnet = subnet;
        this.kernelMac = kernelMac;
    }

    /** A network on the next free 198.18.X.0/24 of this JVM, with a default {@link TapConfig}. */
    public static TapNetwork open() throws TapException {
        return open(UnaryOperator.identity());
    }

    /** As {@link #open()}, with the device's config adjusted (MTU, pool size, ...). */
    public static TapNetwork open(UnaryOperator<TapConfig> config) throws TapException {
        int subnet = SUBNETS.getAndIncrement() % 255;
        TapDevice device = TapDevice.open(config.apply(TapConfig.named(NetNs.uniqueLinkName("bpt"))));
        NetNs ns = null;
        try {
            ns = NetNs.create("tap");
            String link = device.name();
            ns.moveLinkHere(link);
            ns.sysctl("net.ipv6.conf." + link + ".disable_ipv6", "1");
            ns.addAddress(link, "198.18." + subnet + ".1/24");
            ns.linkUp(link);
            return new TapNetwork(device, ns, subnet, MacAddress.parse(ns.linkMac(link)).bits());
        } catch (RuntimeException e) {
            device.close();
            if (ns != null) {
                ns.close();
            }
            throw e;
        }
    }

    public TapDevice device() {
        return device;
    }

    public NetNs namespace() {
        return namespace;
    }

    /** The kernel side's interface name inside {@link #namespace()} (the device's name). */
    public String kernelLink() {
        return device.name();
    }

    /** 198.18.X.1: the kernel's address. */
    public int kernelIp() {
        return IpAddress.ofV4(198, 18, subnet, 1).v4();
    }

    /** 198.18.X.2: the address the test pretends to have on the device's side. */
    public int deviceIp() {
        return IpAddress.ofV4(198, 18, subnet, 2).v4();
    }

    public String deviceIpText() {
        return IpAddress.v4ToString(deviceIp());
    }

    /** The kernel side's MAC: where frames from the device must be addressed. */
    public long kernelMac() {
        return kernelMac;
    }

    @Override
    public void close() {
        try {
            device.close();
        } finally {
            namespace.close();
        }
    }
}
