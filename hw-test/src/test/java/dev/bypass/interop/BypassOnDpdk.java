package dev.bypass.interop;

import dev.bypass.host.PollLoop;
import dev.bypass.nic.dpdk.DpdkConfig;
import dev.bypass.nic.dpdk.DpdkCounter;
import dev.bypass.nic.dpdk.DpdkDevice;
import dev.bypass.nic.dpdk.DpdkEal;
import dev.bypass.nic.dpdk.VethNetwork;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.netns.NetNs;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;

/**
 * bypass on DPDK: the stack on a {@link DpdkDevice} (af_packet) at one end of a veth, the Linux kernel at
 * the other, each end in a namespace of its own ({@link VethNetwork}):
 *
 * <pre>
 *   this JVM: NetworkStack 198.18.X.2/24 on a PollLoop          namespace "kern": 198.18.X.1/24
 *             over DpdkDevice net_af_packet_bpd&lt;pid&gt;-&lt;n&gt;  ====  veth bpk&lt;pid&gt;-&lt;n&gt;
 *             (veth bpd&lt;pid&gt;-&lt;n&gt; in namespace "dpdk")
 * </pre>
 *
 * The same shape as {@link BypassOnTap}: the stack runs on its poll thread from {@link #open} to
 * {@link #close}; tests reach it through {@link #call}.
 */
final class BypassOnDpdk implements AutoCloseable {
    private final VethNetwork net;
    private final PollLoop loop;

    private BypassOnDpdk(VethNetwork net, PollLoop loop) {
        this.net = net;
        this.loop = loop;
    }

    /** Opens the veth and the port, and starts the stack, whose only route is its own subnet. */
    static BypassOnDpdk open(DpdkEal eal) throws Exception {
        return open(eal, UnaryOperator.identity());
    }

    /** As {@link #open(DpdkEal)}, with the device's config adjusted. */
    static BypassOnDpdk open(DpdkEal eal, UnaryOperator<DpdkConfig> device) throws Exception {
        VethNetwork net = VethNetwork.open(eal, device);
        try {
            StackConfig config = StackConfig.builder().name("bypass").address(net.deviceIpText() + "/24").build();
            NetworkStack stack = new NetworkStack(config, net.device());
            return new BypassOnDpdk(net, PollLoop.start(stack, "bypass-" + net.device().name()));
        } catch (RuntimeException | Error e) {
            net.close();
            throw e;
        }
    }

    /** The namespace of the kernel end (198.18.X.1). */
    NetNs kernel() {
        return net.kernel();
    }

    /** 198.18.X.2: the stack's address. */
    String ip() {
        return net.deviceIpText();
    }

    /** 198.18.X.1: the kernel's address. */
    String kernelIp() {
        return net.kernelIpText();
    }

    NetworkStack stack() {
        return loop.stack();
    }

    DpdkDevice device() {
        return net.device();
    }

    /** Runs {@code task} on the poll thread and returns its result. */
    <T> T call(Callable<T> task) {
        return loop.call(task);
    }

    long counter(Counter counter) {
        return loop.call(() -> stack().counters().get(counter));
    }

    long deviceCounter(DpdkCounter counter) {
        return loop.call(() -> net.device().counter(counter));
    }

    /** The stack's non-zero counters, the device's and the port's, read on the poll thread: for failure messages. */
    String diagnostics() {
        return loop.call(() -> {
            StringBuilder sb = new StringBuilder("\n--- stack counters\n").append(stack().counters().dumpNonZero());
            DpdkDevice nic = net.device();
            sb.append("--- ").append(nic).append('\n');
            for (DpdkCounter c : DpdkCounter.values()) {
                if (nic.counter(c) != 0) {
                    sb.append(c.label()).append(' ').append(nic.counter(c)).append('\n');
                }
            }
            sb.append("--- port ").append(nic.portStats()).append('\n');
            RuntimeException internal = stack().lastInternalError();
            if (internal != null) {
                sb.append("--- last internal error: ").append(internal).append('\n');
            }
            return sb.toString();
        });
    }

    @Override
    public void close() {
        try {
            loop.close(); // stops the poll thread, closes the stack and the device
        } finally {
            net.close(); // the device again (idempotent), then both namespaces
        }
    }
}
