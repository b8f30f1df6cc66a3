package dev.bypass.nic.driver;

import dev.bypass.nic.tap.TapConfig;
import dev.bypass.nic.tap.TapCounter;
import dev.bypass.nic.tap.TapDevice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code driver = "tap"}: a {@link TapDevice}, one end of a virtual Ethernet wire whose other end is a link
 * of the Linux kernel. One queue, no offloads.
 *
 * <p>Keys of its own: {@code tap-name} (the interface, default the resource's name), {@code tap-attach}
 * (attach to an existing persistent TAP), and, to wire the kernel's side at start-up,
 * {@code tap-netns} (move the link into this existing network namespace) and {@code tap-peer} (the kernel
 * side's address, CIDR). With either, the link is brought up (IPv6 off on it, so the kernel sends no router
 * solicitations); without them it is left down where it was made, for the operator to wire.
 */
public final class TapDriver implements ResourceDriver {
    public static final String TYPE = "tap";
    public static final String KEY_NAME = "tap-name";
    public static final String KEY_ATTACH = "tap-attach";
    public static final String KEY_NETNS = "tap-netns";
    public static final String KEY_PEER = "tap-peer";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String description() {
        return "TAP interface towards the Linux kernel (/dev/net/tun; one queue, no offloads)";
    }

    @Override
    public Set<String> keys() {
        return Set.of(KEY_NAME, KEY_ATTACH, KEY_NETNS, KEY_PEER);
    }

    @Override
    public OpenedResource open(ResourceSettings s) throws Exception {
        if (s.queues() != 1) {
            throw new InvalidSettingException("queues", Integer.toString(s.queues()), "must be 1 (a TAP device has one queue)");
        }
        String name = s.option(KEY_NAME, s.name());
        TapConfig config = TapConfig.named(name).withMtu(s.mtu())
            .withAttachExisting(Boolean.parseBoolean(s.option(KEY_ATTACH, "false")));
        if (s.macAddress() != ResourceSettings.DEFAULT_MAC) {
            config = config.withMacAddress(s.macAddress());
        }
        if (s.poolFrames() > 0) {
            config = config.withPoolFrames(s.poolFrames());
        }
        if (s.txQueueFrames() > 0) {
            config = config.withTxQueueFrames(s.txQueueFrames());
        }
        TapDevice tap = TapDevice.open(config);
        try {
            String wiring = wireKernelSide(tap.name(), s.option(KEY_NETNS, ""), s.option(KEY_PEER, ""));
            List<DeviceCounters.Entry> extra = new ArrayList<>();
            for (TapCounter c : TapCounter.values()) {
                if (c.label().contains(".drop.")) {
                    extra.add(new DeviceCounters.Entry(c.label(), c.meaning(), () -> tap.counter(c)));
                }
            }
            DeviceCounters counters = DeviceCounters.standard(tap, () -> tap.counter(TapCounter.RX_FRAMES),
                () -> tap.counter(TapCounter.RX_BYTES), () -> tap.counter(TapCounter.TX_FRAMES),
                () -> tap.counter(TapCounter.TX_BYTES), extra);
            return new OpenedResource(tap, counters, "TAP " + tap.name() + ", mtu " + tap.mtu() + ", 1 queue, no offloads"
                + "; " + wiring);
        } catch (Exception | Error e) {
            tap.close();
            throw e;
        }
    }

    /** Moves the kernel's side into {@code netns}, addresses it and brings it up, as far as asked; says what it did. */
    private static String wireKernelSide(String link, String netns, String peer) throws IOException, InterruptedException {
        if (netns.isEmpty() && peer.isEmpty()) {
            return "kernel side '" + link + "' left down in this namespace (wire it with ip, or set tap-netns/tap-peer)";
        }
        if (!netns.isEmpty()) {
            ip(link, "link", "set", "dev", link, "netns", netns);
        }
        List<String> prefix = netns.isEmpty() ? List.of() : List.of("ip", "netns", "exec", netns);
        List<String> sysctl = new ArrayList<>(prefix);
        sysctl.addAll(List.of("sysctl", "-q", "-w", "net.ipv6.conf." + link + ".disable_ipv6=1"));
        run(link, sysctl);
        List<String> ns = netns.isEmpty() ? List.of() : List.of("-n", netns);
        if (!peer.isEmpty()) {
            ip(link, ns, "addr", "add", peer, "dev", link);
        }
        ip(link, ns, "link", "set", "dev", link, "up");
        return "kernel side '" + link + "' up" + (netns.isEmpty() ? "" : " in netns " + netns)
            + (peer.isEmpty() ? "" : " with " + peer);
    }

    private static void ip(String link, String... args) throws IOException, InterruptedException {
        SetupCommand.ip("TAP '" + link + "'", List.of(), args);
    }

    private static void ip(String link, List<String> options, String... args) throws IOException, InterruptedException {
        SetupCommand.ip("TAP '" + link + "'", options, args);
    }

    private static void run(String link, List<String> command) throws IOException, InterruptedException {
        SetupCommand.run("TAP '" + link + "'", command);
    }
}
