package dev.bypass.nic.fault;

import dev.bypass.nic.decorator.DeviceDecorator;
import dev.bypass.nic.offload.SoftwareOffload;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.NetworkDevice;
import dev.bypass.stack.wire.EthernetHeader;
import java.util.SplittableRandom;

/**
 * A bad wire in front of any {@link NetworkDevice}: on the transmit path it loses, duplicates, reorders,
 * corrupts, delays and rate-limits frames, and flaps the link, as {@link FaultConfig} says. Receive passes
 * through. The faults come from a {@link SplittableRandom} seeded by the config, so the same seed and the
 * same sequence of calls give the same frames at the same times: a failing simulation can be replayed.
 *
 * <p><b>The path of a frame</b>, in order (every step that drops a frame counts it and releases it):
 * <ol>
 *   <li>If any fault is configured, offloads the frame asks for are completed first ({@link SoftwareOffload}:
 *       checksums filled in, TSO super-frames cut into segments from the frame's pool), so faults apply to
 *       wire frames and checksums cover the clean bytes: a corrupted frame is detectable, as on a real wire.
 *       The decorator therefore advertises the inner device's offloads while emulating them.</li>
 *   <li>Link flap: while the link is down, the frame is dropped ({@link #flapDropped()}).</li>
 *   <li>Loss ({@link #lost()}).</li>
 *   <li>Corruption: one random bit after the Ethernet header flipped ({@link #corrupted()}).</li>
 *   <li>Duplication: a copy from the frame's pool follows the frame ({@link #duplicated()}).</li>
 *   <li>Rate limit: a bottleneck of {@code rateBitsPerSecond} serialises frames one after another; a frame
 *       that would not fit its {@code rateQueueBytes} queue is dropped at the tail ({@link #rateDropped()}).
 *       A frame leaves the bottleneck when its last bit has been sent: {@code ceil(bits * 1e9 / rate)} ns
 *       after the previous one left or it arrived, whichever is later. Frame bytes only (no preamble, gap
 *       or FCS).</li>
 *   <li>Delay: fixed {@code delayNs} plus uniform jitter in {@code [0, jitterNs]} ({@link #delayed()}).</li>
 *   <li>Reordering: the frame is held back until the next frame has been sent, then sent right after it;
 *       if no frame comes within {@code reorderHoldNs}, it is sent then ({@link #reordered()}).</li>
 * </ol>
 * Held frames (steps 6 to 8) are retained pool frames, at most {@code maxHeldFrames} of them; a frame
 * that would exceed that is dropped ({@link #heldOverflow()}). They are handed to the inner device by
 * later {@link #transmit}, {@link #flush} or {@link #receive} calls whose {@code nowNs} has reached their
 * time, with that time as the inner device's {@code nowNs}; {@link #nextDeadlineNs()} says when the next
 * one is due. The inner device queues them until the next {@link #flush}.
 *
 * <p>One thread, like the device it wraps; nothing allocated per frame.
 */
public final class FaultInjectingDevice extends DeviceDecorator {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final FaultConfig config;
    private final boolean active;
    private final SplittableRandom random;
    private final SoftwareOffload offload = new SoftwareOffload();
    private final Frame[] wireFrames;
    private final HeldFrames held;

    // Frames held back for reordering, waiting for a next frame to overtake them, in arrival order.
    private final Frame[] waiting;
    private final int[] waitingQueue;
    private final long[] waitingDepartureNs;
    private final long[] waitingTimeoutNs;
    private int waitingCount;

    // The bottleneck: finish times and sizes of the frames it holds, a FIFO ring.
    private final long[] bottleneckFinishNs;
    private final int[] bottleneckBytes;
    private int bottleneckHead;
    private int bottleneckCount;
    private long bottleneckBacklogBytes;
    private long bottleneckLastFinishNs;

    private long lost;
    private long duplicated;
    private long duplicateNoBuffer;
    private long reordered;
    private long corrupted;
    private long delayed;
    private long rateDropped;
    private long flapDropped;
    private long heldOverflow;

    /** Wraps {@code inner}; with {@link FaultConfig#NONE} frames pass through untouched. */
    public FaultInjectingDevice(NetworkDevice inner, FaultConfig config) {
        super(inner);
        this.config = config;
        this.active = config.injectsFaults();
        this.random = new SplittableRandom(config.seed());
        int largestFrame = Math.max(inner.pool().frameCapacity(), inner.capabilities().maxTsoBytes());
        this.wireFrames = new Frame[SoftwareOffload.maxSegments(largestFrame)];
        int maxHeld = config.maxHeldFrames();
        this.held = new HeldFrames(maxHeld);
        this.waiting = new Frame[maxHeld];
        this.waitingQueue = new int[maxHeld];
        this.waitingDepartureNs = new long[maxHeld];
        this.waitingTimeoutNs = new long[maxHeld];
        this.bottleneckFinishNs = new long[maxHeld + 1];
        this.bottleneckBytes = new int[maxHeld + 1];
    }

    public FaultConfig config() {
        return config;
    }

    @Override
    public void transmit(int queue, Frame frame, long nowNs) {
        releaseDue(nowNs);
        if (!active) {
            inner.transmit(queue, frame, nowNs);
            return;
        }
        if (!SoftwareOffload.needsCompletion(frame)) {
            onWire(queue, frame, nowNs);
            return;
        }
        int made = offload.complete(frame, frame.pool(), wireFrames, 0);
        for (int i = 0; i < made; i++) {
            Frame wireFrame = wireFrames[i];
            wireFrames[i] = null;
            onWire(queue, wireFrame, nowNs);
        }
    }

    /** Steps 2 to 5 for one wire frame: flap, loss, corruption, duplication. */
    private void onWire(int queue, Frame frame, long nowNs) {
        if (linkFlappedDown(nowNs)) {
            flapDropped++;
            frame.release();
            return;
        }
        if (chance(config.lossPercent())) {
            lost++;
            frame.release();
            return;
        }
        if (chance(config.corruptPercent())) {
            flipRandomBit(frame);
            corrupted++;
        }
        Frame copy = null;
        if (chance(config.duplicatePercent())) {
            copy = frame.pool().allocate();
            if (copy == null) {
                duplicateNoBuffer++;
            } else {
                copy.copyFrom(frame);
                duplicated++;
            }
        }
        schedule(queue, frame, nowNs);
        if (copy != null) {
            schedule(queue, copy, nowNs);
        }
    }

    /**
     * Flips one bit after the Ethernet header. Bit errors in the Ethernet header are left out: on a real
     * wire the FCS catches those and the NIC drops the frame; this fault models the corruption that only
     * the IPv4, TCP and UDP checksums can catch.
     */
    private void flipRandomBit(Frame frame) {
        if (frame.length() == 0) {
            return;
        }
        int from = frame.length() > EthernetHeader.LENGTH ? EthernetHeader.LENGTH : 0;
        int bit = random.nextInt((frame.length() - from) * 8);
        int at = frame.offset() + from + bit / 8;
        frame.buffer().putByte(at, (byte) (frame.buffer().getByte(at) ^ (1 << (bit % 8))));
    }

    /** Steps 6 to 8: when the frame leaves, then sends it now or holds it. */
    private void schedule(int queue, Frame frame, long nowNs) {
        if (config.holdsFrames() && held.size() + waitingCount >= config.maxHeldFrames()) {
            heldOverflow++;
            frame.release();
            return;
        }
        long departureNs = nowNs;
        if (config.rateBitsPerSecond() > 0) {
            if (!enterBottleneck(frame.length(), nowNs)) {
                rateDropped++;
                frame.release();
                return;
            }
            departureNs = bottleneckLastFinishNs;
        }
        departureNs += config.delayNs() + (config.jitterNs() > 0 ? random.nextLong(config.jitterNs() + 1) : 0);
        if (chance(config.reorderPercent())) {
            waiting[waitingCount] = frame;
            waitingQueue[waitingCount] = queue;
            waitingDepartureNs[waitingCount] = departureNs;
            waitingTimeoutNs[waitingCount] = departureNs + config.reorderHoldNs();
            waitingCount++;
            reordered++;
            return;
        }
        if (departureNs - nowNs > 0) {
            delayed++;
            held.add(departureNs, queue, frame);
        } else {
            inner.transmit(queue, frame, nowNs);
        }
        // This frame overtook the frames held back for reordering: they go right after it.
        for (int i = 0; i < waitingCount; i++) {
            long dueNs = waitingDepartureNs[i] - departureNs > 0 ? waitingDepartureNs[i] : departureNs;
            if (dueNs - nowNs > 0) {
                held.add(dueNs, waitingQueue[i], waiting[i]);
            } else {
                inner.transmit(waitingQueue[i], waiting[i], nowNs);
            }
            waiting[i] = null;
        }
        waitingCount = 0;
    }

    /**
     * Queues {@code bytes} at the bottleneck if its queue has room; {@link #bottleneckLastFinishNs} is then
     * when the frame's last bit has been sent.
     */
    private boolean enterBottleneck(int bytes, long nowNs) {
        int capacity = bottleneckFinishNs.length;
        while (bottleneckCount > 0 && bottleneckFinishNs[bottleneckHead] - nowNs <= 0) {
            bottleneckBacklogBytes -= bottleneckBytes[bottleneckHead];
            bottleneckHead = (bottleneckHead + 1) % capacity;
            bottleneckCount--;
        }
        if (bottleneckBacklogBytes + bytes > config.rateQueueBytes()) {
            return false;
        }
        long startNs = bottleneckCount == 0 ? nowNs : bottleneckLastFinishNs;
        long finishNs = startNs + Math.ceilDiv(bytes * 8L * NANOS_PER_SECOND, config.rateBitsPerSecond());
        int tail = (bottleneckHead + bottleneckCount) % capacity;
        bottleneckFinishNs[tail] = finishNs;
        bottleneckBytes[tail] = bytes;
        bottleneckCount++;
        bottleneckBacklogBytes += bytes;
        bottleneckLastFinishNs = finishNs;
        return true;
    }

    /** The link is down for the last {@code flapDownNs} of every {@code flapPeriodNs}. */
    private boolean linkFlappedDown(long nowNs) {
        long period = config.flapPeriodNs();
        return period > 0 && Math.floorMod(nowNs, period) >= period - config.flapDownNs();
    }

    private boolean chance(double percent) {
        return percent > 0 && random.nextDouble() * 100 < percent;
    }

    /** Hands the inner device every held frame whose time has come, in the order they are due. */
    private void releaseDue(long nowNs) {
        // Reordered frames that no later frame overtook in time leave at their timeout.
        int kept = 0;
        for (int i = 0; i < waitingCount; i++) {
            if (waitingTimeoutNs[i] - nowNs <= 0) {
                held.add(waitingTimeoutNs[i], waitingQueue[i], waiting[i]);
            } else {
                waiting[kept] = waiting[i];
                waitingQueue[kept] = waitingQueue[i];
                waitingDepartureNs[kept] = waitingDepartureNs[i];
                waitingTimeoutNs[kept] = waitingTimeoutNs[i];
                kept++;
            }
        }
        for (int i = kept; i < waitingCount; i++) {
            waiting[i] = null;
        }
        waitingCount = kept;
        while (!held.isEmpty() && held.firstDueNs() - nowNs <= 0) {
            long dueNs = held.firstDueNs();
            int queue = held.firstQueue();
            inner.transmit(queue, held.removeFirst(), dueNs);
        }
    }

    @Override
    public int flush(int queue, long nowNs) {
        releaseDue(nowNs);
        return inner.flush(queue, nowNs);
    }

    @Override
    public int receive(int queue, Frame[] frames, int max, long nowNs) {
        releaseDue(nowNs);
        return inner.receive(queue, frames, max, nowNs);
    }

    /** The earliest of: the next held frame, the next reorder timeout, the inner device's deadline. */
    @Override
    public long nextDeadlineNs() {
        long deadline = inner.nextDeadlineNs();
        if (!held.isEmpty()) {
            deadline = earlier(deadline, held.firstDueNs());
        }
        for (int i = 0; i < waitingCount; i++) {
            deadline = earlier(deadline, waitingTimeoutNs[i]);
        }
        return deadline;
    }

    private static long earlier(long deadline, long candidateNs) {
        return deadline == Long.MAX_VALUE || candidateNs - deadline < 0 ? candidateNs : deadline;
    }

    /** Frames held back now (delayed, queued at the bottleneck or waiting to be reordered). */
    public int heldFrames() {
        return held.size() + waitingCount;
    }

    /** Frames dropped by the loss fault. */
    public long lost() {
        return lost;
    }

    /** Frames sent twice. */
    public long duplicated() {
        return duplicated;
    }

    /** Duplicates not made because the pool was empty. */
    public long duplicateNoBuffer() {
        return duplicateNoBuffer;
    }

    /** Frames held back to be sent after a later frame. */
    public long reordered() {
        return reordered;
    }

    /** Frames with one bit flipped. */
    public long corrupted() {
        return corrupted;
    }

    /** Frames held for the fixed delay, jitter or the bottleneck's serialisation. */
    public long delayed() {
        return delayed;
    }

    /** Frames dropped at the tail of the full bottleneck queue. */
    public long rateDropped() {
        return rateDropped;
    }

    /** Frames dropped while the link was flapped down. */
    public long flapDropped() {
        return flapDropped;
    }

    /** Frames dropped because {@code maxHeldFrames} were already held. */
    public long heldOverflow() {
        return heldOverflow;
    }

    /** Frames whose headers did not match their offload metadata, dropped while completing offloads. */
    public long offloadMalformed() {
        return offload.malformedFrames();
    }

    /** Every frame dropped here or by the inner device on transmit. */
    @Override
    public long txDropped() {
        return inner.txDropped() + lost + rateDropped + flapDropped + heldOverflow
            + offload.malformedFrames() + offload.segmentsLostNoBuffer();
    }

    /** Releases the held frames (they are lost, as on a cable pulled out) and closes the inner device. */
    @Override
    public void close() {
        held.releaseAll();
        for (int i = 0; i < waitingCount; i++) {
            waiting[i].release();
            waiting[i] = null;
        }
        waitingCount = 0;
        inner.close();
    }

    @Override
    public String toString() {
        return "FaultInjectingDevice[" + inner.name() + " lost " + lost + " dup " + duplicated + " reord " + reordered
            + " corrupt " + corrupted + " delayed " + delayed + " rate-dropped " + rateDropped + " flap-dropped "
            + flapDropped + " held " + heldFrames() + "]";
    }
}
