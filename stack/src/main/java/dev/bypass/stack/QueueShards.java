package dev.bypass.stack;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.counters.StackCounters;
import dev.bypass.stack.device.NetworkDevice;
import java.util.List;
import java.util.function.IntFunction;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * One stack per queue of a multi-queue device, each polled by a thread of its own: the way a NIC with
 * several queues is spread over several cores (as F-Stack and Seastar do), without locks between them.
 *
 * <pre>
 *             device (one MAC, one IP), RSS with a symmetric Toeplitz key
 *   queue 0 ── stack 0 ──┐  ARP frames (they carry no ports: a NIC with RSS puts them on queue 0)
 *   queue 1 ── stack 1 ◄─┤  are copied to the other stacks through one ring each, so every stack
 *   queue 2 ── stack 2 ◄─┘  resolves neighbours; only the stack whose queue the frame reached answers it.
 * </pre>
 *
 * <p>ARP may land on any queue: af_packet and TAP spread frames by the kernel's flow hash, which sends
 * every ARP frame to one queue of its choosing. So every stack copies the ARP frames it receives to the
 * others; each stack's ring is many-producer (lock-free, no allocation).
 *
 * <p>The stacks share the device's address and MAC. A TCP or UDP flow lands on the queue its RSS hash
 * selects, and so on one stack, for its whole life: with a symmetric key both directions hash alike, and
 * an active open picks its source port so that the replies hash to the opening stack's own queue
 * ({@link NetworkStack#receivesFlow}). A listener must be opened on every stack (a SYN may land on any
 * queue). ICMP and IP fragments hash on the addresses alone and are answered by the stack they reach.
 *
 * <p>Built and linked before any poll thread starts; afterwards each stack is touched only by its own
 * thread, and the rings are the only thing the threads share.
 */
public final class QueueShards implements AutoCloseable {
    /** Bytes of each ARP ring: ARP is rare; a burst of 64 packets fits many times over. */
    static final int ARP_RING_BYTES = 64 * 1024;
    private static final int MSG_ARP = 1;

    private final NetworkDevice device;
    private final NetworkStack[] stacks;
    /** rings[q]: ARP frames from the other stacks for stack q. */
    private final ManyToOneRingBuffer[] rings;
    private final ArpReader[] readers;

    private QueueShards(NetworkDevice device, NetworkStack[] stacks) {
        this.device = device;
        this.stacks = stacks;
        this.rings = new ManyToOneRingBuffer[stacks.length];
        this.readers = new ArpReader[stacks.length];
        for (int q = 0; q < stacks.length; q++) {
            int bytes = ARP_RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH;
            rings[q] = new ManyToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(bytes, BitUtil.CACHE_LINE_LENGTH)));
            readers[q] = new ArpReader(stacks[q]);
        }
    }

    /**
     * One stack per queue of {@code device} (as many as it has receive queues, which must not exceed its
     * transmit queues), named {@code config.name() + "-q" + queue}, each with its own counters.
     */
    public static QueueShards open(StackConfig config, NetworkDevice device) {
        return open(config, device, q -> new StackCounters(config.name() + "-q" + q));
    }

    /** As {@link #open(StackConfig, NetworkDevice)}, with the counters of queue q from {@code counters}. */
    public static QueueShards open(StackConfig config, NetworkDevice device, IntFunction<StackCounters> counters) {
        int queues = device.capabilities().rxQueues();
        if (device.capabilities().txQueues() < queues) {
            throw new IllegalArgumentException("device " + device.name() + " has " + queues + " receive but only "
                + device.capabilities().txQueues() + " transmit queues: a stack per queue needs one of each");
        }
        NetworkStack[] stacks = new NetworkStack[queues];
        for (int q = 0; q < queues; q++) {
            StackConfig shard = config.withName(config.name() + "-q" + q, q == 0 && config.gratuitousArp());
            stacks[q] = new NetworkStack(shard, device, counters.apply(q), q);
        }
        QueueShards group = new QueueShards(device, stacks);
        for (NetworkStack stack : stacks) {
            stack.joinShards(group);
        }
        return group;
    }

    public int size() {
        return stacks.length;
    }

    /** The stack of queue {@code queue}. */
    public NetworkStack stack(int queue) {
        return stacks[queue];
    }

    public List<NetworkStack> stacks() {
        return List.of(stacks);
    }

    public NetworkDevice device() {
        return device;
    }

    /** Closes the device (the stacks own nothing else that needs closing). */
    @Override
    public void close() {
        device.close();
    }

    // ------------------------------------------------------------------ called by the stacks' threads

    /** On the thread of stack {@code from}: an ARP frame arrived on its queue; copies it to every other stack. */
    void forwardArp(NetworkStack from, MutableDirectBuffer buffer, int offset, int length) {
        for (int q = 0; q < rings.length; q++) {
            if (q != from.queue() && !rings[q].write(MSG_ARP, buffer, offset, length)) {
                stacks[q].counters().increment(Counter.ARP_SHARD_RING_FULL);
            }
        }
    }

    /** On stack q's thread: learns from the ARP frames the other stacks forwarded; returns how many. */
    int receiveArp(NetworkStack stack) {
        int q = stack.queue();
        return rings[q].read(readers[q]);
    }

    /** True if ARP frames wait for stack {@code stack} (its next poll is due now). */
    boolean arpWaiting(NetworkStack stack) {
        return rings[stack.queue()].size() > 0;
    }

    private static final class ArpReader implements MessageHandler {
        private final NetworkStack stack;

        ArpReader(NetworkStack stack) {
            this.stack = stack;
        }

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            Counter drop = stack.arp().input(buffer, index, length, stack.nowNs(), false);
            if (drop != null) {
                stack.counters().increment(drop);
            }
        }
    }
}
