package dev.bypass.interop;

import dev.bypass.host.PollLoop;
import dev.bypass.nic.tap.TapConfig;
import dev.bypass.nic.tap.TapCounter;
import dev.bypass.nic.tap.TapDevice;
import dev.bypass.nic.tap.TapNetwork;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.testing.netns.NetNs;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;

/**
 * bypass on one end of a TAP wire, the Linux kernel on the other, in a namespace of its own:
 *
 * <pre>
 *   this JVM: NetworkStack 198.18.X.2/24 on a PollLoop    namespace "kernel": 198.18.X.1/24
 *             over TapDevice bpt&lt;pid&gt;-&lt;n&gt;        ====        (the TAP's kernel side)
 * </pre>
 *
 * The stack runs on its poll thread from {@link #open} to {@link #close}; tests reach it through
 * {@link #call}. {@link #close()} stops the thread, closes the stack and the device, stops what was started
 * in the namespace and deletes it.
 */
final class BypassOnTap implements AutoCloseable {
    private final TapNetwork net;
    private final PollLoop loop;

    private BypassOnTap(TapNetwork net, PollLoop loop) {
        this.net = net;
        this.loop = loop;
    }

    /** Opens the wire and starts the stack, whose only route is its own subnet. */
    static BypassOnTap open() throws Exception {
        return open(UnaryOperator.identity(), false);
    }

    /** As {@link #open()}, with the kernel side (198.18.X.1) as the stack's default gateway. */
    static BypassOnTap openWithKernelAsGateway() throws Exception {
        return open(UnaryOperator.identity(), true);
    }

    /** As {@link #open()}, with the TAP device's config adjusted (queue sizes, MTU). */
    static BypassOnTap open(UnaryOperator<TapConfig> device, boolean kernelIsGateway) throws Exception {
        TapNetwork net = TapNetwork.open(device);
        try {
            StackConfig.Builder config = StackConfig.builder().name("bypass").address(net.deviceIpText() + "/24");
            if (kernelIsGateway) {
                config.gateway(IpAddress.v4ToString(net.kernelIp()));
            }
            NetworkStack stack = new NetworkStack(config.build(), net.device());
            return new BypassOnTap(net, PollLoop.start(stack, "bypass-" + net.device().name()));
        } catch (RuntimeException | Error e) {
            net.close();
            throw e;
        }
    }

    /** The namespace holding the kernel side of the TAP (198.18.X.1). */
    NetNs kernel() {
        return net.namespace();
    }

    /** The TAP's interface name inside {@link #kernel()}. */
    String kernelLink() {
        return net.kernelLink();
    }

    /** X of 198.18.X.0/24, the TAP's subnet (unique in this JVM). */
    int subnet() {
        return (net.deviceIp() >>> 8) & 0xFF;
    }

    /** 198.18.X.2: the stack's address. */
    String ip() {
        return net.deviceIpText();
    }

    /** 198.18.X.1: the kernel's address on the TAP. */
    String kernelIp() {
        return IpAddress.v4ToString(net.kernelIp());
    }

    int kernelIpBits() {
        return net.kernelIp();
    }

    /** The stack: touch it only on its poll thread, i.e. inside {@link #call}. */
    NetworkStack stack() {
        return loop.stack();
    }

    /** The poll loop driving {@link #stack()}: for the ring socket API ({@code ResourceSet.single(stack(), loop())}). */
    PollLoop loop() {
        return loop;
    }

    long macAddress() {
        return net.device().macAddress();
    }

    /** Runs {@code task} on the poll thread and returns its result. */
    <T> T call(Callable<T> task) {
        return loop.call(task);
    }

    /** One of the TAP device's counters, read on the poll thread. */
    long deviceCounter(TapCounter counter) {
        return loop.call(() -> net.device().counter(counter));
    }

    /** One of the stack's counters, read on the poll thread. */
    long counter(Counter counter) {
        return loop.call(() -> stack().counters().get(counter));
    }

    /** The stack's non-zero counters and the device's, read on the poll thread: for failure messages. */
    String diagnostics() {
        return loop.call(() -> {
            StringBuilder sb = new StringBuilder("\n--- stack counters\n").append(stack().counters().dumpNonZero());
            TapDevice tap = net.device();
            sb.append("--- ").append(tap).append('\n');
            for (TapCounter c : TapCounter.values()) {
                if (tap.counter(c) != 0) {
                    sb.append(c.label()).append(' ').append(tap.counter(c)).append('\n');
                }
            }
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
            net.close(); // the device again (idempotent), then the namespace and what runs in it
        }
    }
}
