package dev.bypass.nic.dpdk;

import dev.bypass.stack.addr.IpAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Flow isolation of a DPDK port ({@code rte_flow_isolate}): only frames that match the port's flow rules
 * reach its queues. On a bifurcated NIC (mlx5: the kernel's netdev and DPDK share the port) every other
 * frame stays with the kernel, which so keeps its own networking (ssh, monitoring) without an exception
 * path; on other NICs the rest is dropped.
 *
 * <p>The rules ({@link #rules}) claim what the stack needs:
 * <ul>
 *   <li>ARP (Ethernet type 0x0806) to queue 0, where {@code QueueShards}' stack answers it and copies it to
 *       the others;</li>
 *   <li>IPv4 to the stack's address: to queue 0 with one queue, else spread by RSS over every queue with the
 *       port's hash types and symmetric key (a flow rule's RSS action hashes with a key of its own);</li>
 *   <li>or, when ports are given, only TCP and UDP to those ports of the address: the kernel keeps the
 *       rest of the address (ICMP, its own services), for an address the two share.</li>
 * </ul>
 * ARP carries no address the NICs here can match, so all of it comes to the stack: a kernel on the same
 * port then learns its neighbours only through the exception path's copies (or static entries).
 *
 * @param mode off (no isolation), on (a port that cannot isolate fails to open) or auto (it opens without
 *     isolation, and {@link DpdkDevice#flowIsolationStatus()} says why)
 * @param ipv4Address the stack's address (host order)
 * @param tcpPorts TCP destination ports to claim instead of the whole address (empty: the whole address)
 * @param udpPorts UDP destination ports to claim instead of the whole address
 */
public record FlowIsolation(Mode mode, int ipv4Address, int[] tcpPorts, int[] udpPorts) {
    /** No isolation: every frame the port receives reaches its queues. */
    public static final FlowIsolation OFF = new FlowIsolation(Mode.OFF, 0, new int[0], new int[0]);

    /** The setting {@code flow-isolation}. */
    public enum Mode {
        /** Not asked: the port receives everything (the default). */
        OFF,
        /** Isolate, or fail to open the port, naming the PMD and its reason. */
        ON,
        /** Isolate where the PMD can, else open without isolation and say why. */
        AUTO;

        /** The configuration's word for it: off, on, auto. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** {@code off}, {@code on} or {@code auto}. */
        public static Mode parse(String word) {
            for (Mode m : values()) {
                if (m.word().equals(word)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("flow isolation '" + word + "' is none of off, on, auto");
        }
    }

    public FlowIsolation {
        Objects.requireNonNull(mode, "mode");
        tcpPorts = checkPorts(tcpPorts, "TCP");
        udpPorts = checkPorts(udpPorts, "UDP");
        if (mode != Mode.OFF && ipv4Address == 0) {
            throw new IllegalArgumentException("flow isolation needs the stack's IPv4 address, not 0.0.0.0");
        }
    }

    private static int[] checkPorts(int[] ports, String what) {
        for (int p : ports) {
            if (p < 1 || p > 0xFFFF) {
                throw new IllegalArgumentException(what + " port " + p + " to claim is not 1..65535");
            }
        }
        return ports.clone();
    }

    /** Isolation to the stack's address; the port fails to open where the PMD cannot isolate. */
    public static FlowIsolation on(int ipv4Address) {
        return new FlowIsolation(Mode.ON, ipv4Address, new int[0], new int[0]);
    }

    /** Isolation to the stack's address where the PMD can, else none ({@link DpdkDevice#flowIsolationStatus()}). */
    public static FlowIsolation auto(int ipv4Address) {
        return new FlowIsolation(Mode.AUTO, ipv4Address, new int[0], new int[0]);
    }

    /** {@code mode} to {@code ipv4Address} (off ignores the address). */
    public static FlowIsolation of(Mode mode, int ipv4Address) {
        return mode == Mode.OFF ? OFF : new FlowIsolation(mode, ipv4Address, new int[0], new int[0]);
    }

    /** Claims only these TCP and UDP destination ports of the address; the kernel keeps the rest of it. */
    public FlowIsolation claimingOnly(int[] tcpPorts, int[] udpPorts) {
        return new FlowIsolation(mode, ipv4Address, tcpPorts, udpPorts);
    }

    @Override
    public int[] tcpPorts() {
        return tcpPorts.clone();
    }

    @Override
    public int[] udpPorts() {
        return udpPorts.clone();
    }

    public boolean enabled() {
        return mode != Mode.OFF;
    }

    /**
     * The rules that steer the stack's frames to the port's {@code rxQueues} queues: ARP to queue 0, then
     * IPv4 to the address (or the ports given) to queue 0 with one queue, or by RSS over all of them
     * hashed on {@code rssTypes} with {@code rssKey} (null: the PMD's key).
     */
    public List<DpdkFlowRule> rules(int rxQueues, long rssTypes, byte[] rssKey) {
        if (mode == Mode.OFF) {
            return List.of();
        }
        if (rxQueues < 1) {
            throw new IllegalArgumentException("rxQueues " + rxQueues);
        }
        List<DpdkFlowRule> rules = new ArrayList<>();
        rules.add(DpdkFlowRule.etherTypeToQueue(DpdkFlowRule.ETHER_TYPE_ARP, 0));
        List<DpdkFlowRule> ip = new ArrayList<>();
        if (tcpPorts.length == 0 && udpPorts.length == 0) {
            ip.add(DpdkFlowRule.ipv4ToQueue(ipv4Address, 0));
        }
        for (int p : tcpPorts) {
            ip.add(DpdkFlowRule.toQueue(DpdkFlowRule.TCP, ipv4Address, p, 0));
        }
        for (int p : udpPorts) {
            ip.add(DpdkFlowRule.toQueue(DpdkFlowRule.UDP, ipv4Address, p, 0));
        }
        for (DpdkFlowRule r : ip) {
            // A priority apart from ARP's: TC flower (net_tap) keeps one protocol per priority.
            rules.add((rxQueues == 1 ? r : r.withRss(rxQueues, rssTypes, rssKey)).withPriority(1));
        }
        return List.copyOf(rules);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowIsolation f && mode == f.mode && ipv4Address == f.ipv4Address
            && Arrays.equals(tcpPorts, f.tcpPorts) && Arrays.equals(udpPorts, f.udpPorts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, ipv4Address, Arrays.hashCode(tcpPorts), Arrays.hashCode(udpPorts));
    }

    @Override
    public String toString() {
        return mode == Mode.OFF ? "FlowIsolation[off]" : "FlowIsolation[" + mode.word() + ", "
            + IpAddress.v4ToString(ipv4Address) + (tcpPorts.length == 0 ? "" : ", tcp " + Arrays.toString(tcpPorts))
            + (udpPorts.length == 0 ? "" : ", udp " + Arrays.toString(udpPorts)) + "]";
    }
}
