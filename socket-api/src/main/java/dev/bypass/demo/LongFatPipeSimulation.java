package dev.bypass.demo;

import dev.bypass.apps.BytePattern;
import dev.bypass.host.Simulation;
import dev.bypass.nic.fault.FaultConfig;
import dev.bypass.nic.fault.FaultInjectingDevice;
import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNic;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpHandler;
import dev.bypass.stack.TcpInfo;
import dev.bypass.stack.TcpListener;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The long fat pipe in virtual time: two stacks over an in-memory wire whose {@link FaultInjectingDevice}s
 * add a fixed one-way delay and a rate-limited drop-tail bottleneck in each direction; host A sends
 * {@code bytes} of a {@link BytePattern} stream to host B, which checks every byte. Both stacks use CUBIC
 * (with HyStart) and window scaling, with send and receive buffers sized from the bandwidth-delay product.
 *
 * <p>Timing is virtual: from the client's SYN (time 0) to the moment the receiver has read the last byte.
 * The sender's congestion window, ssthresh and bytes acknowledged are sampled every {@code sampleNs} of
 * virtual time; {@link Result#slowStartEndNs} is the first sample at which ssthresh is no longer infinite
 * (HyStart's exit or the first loss).
 *
 * <p>Frame budget: the frames the bottleneck queues and the frames in flight on the delay line are retained
 * pool frames of the sender's NIC, so the pools and {@code maxHeldFrames} are sized from queue + BDP.
 */
public final class LongFatPipeSimulation {
    private static final int WIRE_PAYLOAD = 1448; // MSS with timestamps on a 1500 B MTU
    private static final int WIRE_FRAME = 1514;
    /**
     * Holes the receiver tracks in its out-of-order data. The default 32 is too few for a drop-tail burst
     * in a window of thousands of segments: segments past the 32nd hole are dropped and sent again
     * (Linux's out-of-order queue has no such limit).
     */
    public static final int OUT_OF_ORDER_RANGES = 4096;

    /**
     * What to run.
     *
     * @param rateBitsPerSecond  bottleneck rate, each direction
     * @param oneWayDelayNs      delay added to every frame, each direction (RTT = twice this)
     * @param bytes              bytes A sends to B
     * @param queueBdpFraction   bottleneck queue as a fraction of the BDP
     * @param bufferBdpFactor    send and receive buffers as a multiple of the BDP
     * @param sampleNs           time-series sampling period (0: none)
     * @param congestionControl  "cubic" or "reno"
     * @param outOfOrderRanges   holes the receiver tracks ({@code TcpConfig.maxOutOfOrderRanges})
     */
    public record Options(long rateBitsPerSecond, long oneWayDelayNs, long bytes, double queueBdpFraction,
                          double bufferBdpFactor, long sampleNs, String congestionControl, int outOfOrderRanges) {
        /** One BDP of queue, buffers of two BDPs, 10 ms samples, CUBIC, {@link #OUT_OF_ORDER_RANGES}. */
        public static Options of(long rateBitsPerSecond, long oneWayDelayNs, long bytes) {
            return new Options(rateBitsPerSecond, oneWayDelayNs, bytes, 1.0, 2.0, 10_000_000L, "cubic", OUT_OF_ORDER_RANGES);
        }

        public Options withQueue(double fraction) {
            return new Options(rateBitsPerSecond, oneWayDelayNs, bytes, fraction, bufferBdpFactor, sampleNs, congestionControl,
                outOfOrderRanges);
        }

        public Options withBuffers(double factor) {
            return new Options(rateBitsPerSecond, oneWayDelayNs, bytes, queueBdpFraction, factor, sampleNs, congestionControl,
                outOfOrderRanges);
        }

        public Options withSampleNs(long ns) {
            return new Options(rateBitsPerSecond, oneWayDelayNs, bytes, queueBdpFraction, bufferBdpFactor, ns, congestionControl,
                outOfOrderRanges);
        }

        public Options withCongestionControl(String name) {
            return new Options(rateBitsPerSecond, oneWayDelayNs, bytes, queueBdpFraction, bufferBdpFactor, sampleNs, name,
                outOfOrderRanges);
        }

        public Options withOutOfOrderRanges(int ranges) {
            return new Options(rateBitsPerSecond, oneWayDelayNs, bytes, queueBdpFraction, bufferBdpFactor, sampleNs,
                congestionControl, ranges);
        }

        /** Bandwidth-delay product in bytes: rate times round-trip time. */
        public long bdpBytes() {
            return Math.round(rateBitsPerSecond / 8.0 * (2 * oneWayDelayNs) / 1e9);
        }

        public int queueBytes() {
            return (int) Math.max(2L * WIRE_FRAME, Math.round(bdpBytes() * queueBdpFraction));
        }

        public int bufferBytes() {
            return (int) Math.min(1L << 30, Math.max(64 * 1024, Math.round(bdpBytes() * bufferBdpFactor)));
        }
    }

    /**
     * What happened.
     *
     * @param finished          all bytes arrived within the virtual time limit
     * @param virtualNs         first SYN to the last byte read
     * @param received          bytes B read
     * @param mismatches        bytes B read that differ from the pattern
     * @param slowStartEndNs    first sample with a finite ssthresh (-1 if never)
     * @param bytesAtSlowStartEnd bytes B had read at that sample
     * @param retransmits       segments A retransmitted
     * @param timeouts          retransmission timeouts at A
     * @param fastRetransmits   fast retransmissions at A
     * @param rateDropped       frames the bottleneck dropped (A to B)
     * @param heldOverflow      frames dropped because the fault device held too many (should be 0)
     * @param maxCwndBytes      largest sampled cwnd of A
     * @param sendWindowScale   window scale A uses for B's windows (B's receive scale)
     * @param receiveWindowScale window scale B advertises
     * @param hystartExit       slow start ended without a loss before it
     * @param series            time series: virtual ns, cwnd bytes, ssthresh bytes, bytes acked, bytes received
     * @param wallNs            wall-clock time of the run
     * @param internalErrors    stack internal errors, both stacks
     * @param congestionControl A's congestion control
     * @param counters          both stacks' non-zero counters
     */
    public record Result(Options options, boolean finished, long virtualNs, long received, long mismatches,
                         long slowStartEndNs, long bytesAtSlowStartEnd, long retransmits, long timeouts,
                         long fastRetransmits, long rateDropped, long heldOverflow, long maxCwndBytes,
                         int sendWindowScale, int receiveWindowScale, boolean hystartExit, long[][] series,
                         long wallNs, long internalErrors, String congestionControl, String counters) {
        /** Goodput, bits per second, over the whole run (SYN to last byte). */
        public double goodputBitsPerSecond() {
            return received * 8.0 / (virtualNs / 1e9);
        }

        /** Goodput after slow start ended, bits per second (NaN if it never ended). */
        public double goodputAfterSlowStartBitsPerSecond() {
            if (slowStartEndNs < 0 || virtualNs <= slowStartEndNs) {
                return Double.NaN;
            }
            return (received - bytesAtSlowStartEnd) * 8.0 / ((virtualNs - slowStartEndNs) / 1e9);
        }

        public double percentOfLimit() {
            return 100.0 * goodputBitsPerSecond() / options.rateBitsPerSecond();
        }

        public double percentOfLimitAfterSlowStart() {
            return 100.0 * goodputAfterSlowStartBitsPerSecond() / options.rateBitsPerSecond();
        }

        /** The best goodput TCP can reach over the bottleneck: payload over frame bytes, as a percentage. */
        public static double wireEfficiencyPercent() {
            return 100.0 * WIRE_PAYLOAD / WIRE_FRAME;
        }

        public String summary() {
            return String.format(Locale.ROOT,
                "rate %.0f Mbit/s, one-way delay %d ms (RTT %d ms), BDP %d B, queue %d B, buffers %d B, %s: %d bytes in %.3f s"
                    + " virtual (wall %.1f s): goodput %.1f Mbit/s = %.2f%% of the limit (%.2f%% after slow start ended at"
                    + " %.3f s, %s); retransmits %d (fast %d, timeouts %d), bottleneck drops %d, max cwnd %d B, wscale %d/%d",
                options.rateBitsPerSecond() / 1e6, options.oneWayDelayNs() / 1_000_000, 2 * options.oneWayDelayNs() / 1_000_000,
                options.bdpBytes(), options.queueBytes(), options.bufferBytes(), congestionControl, received, virtualNs / 1e9,
                wallNs / 1e9, goodputBitsPerSecond() / 1e6, percentOfLimit(), percentOfLimitAfterSlowStart(),
                slowStartEndNs / 1e9, hystartExit ? "HyStart" : "loss", retransmits, fastRetransmits, timeouts, rateDropped,
                maxCwndBytes, sendWindowScale, receiveWindowScale);
        }
    }

    private LongFatPipeSimulation() {
    }

    public static Result run(Options o) {
        long wallStart = System.nanoTime();
        long bdp = o.bdpBytes();
        int queue = o.queueBytes();
        int buffers = o.bufferBytes();
        // Frames held at once by one direction's fault device: the queue plus one delay's worth on the wire.
        long framesOnWire = (long) Math.ceil(o.rateBitsPerSecond() / 8.0 * o.oneWayDelayNs() / 1e9 / WIRE_FRAME);
        // Full-sized frames fill the queue (ACKs, the other way, are far fewer than the queue holds).
        int held = (int) Math.min(1 << 20, 2L * (queue / WIRE_FRAME + framesOnWire) + 1024);
        int pool = held + 4096;
        InMemoryNetwork network = new InMemoryNetwork(2);
        InMemoryNic nicA = network.connect(InMemoryNicConfig.builder("a", MacAddress.local(1)).poolFrames(pool).build());
        InMemoryNic nicB = network.connect(InMemoryNicConfig.builder("b", MacAddress.local(2)).poolFrames(pool).build());
        FaultInjectingDevice wireA = new FaultInjectingDevice(nicA, faults(o, 1, queue, held));
        FaultInjectingDevice wireB = new FaultInjectingDevice(nicB, faults(o, 2, queue, held));
        TcpConfig tcp = TcpConfig.builder().sendBufferBytes(buffers).receiveBufferBytes(buffers)
            .congestionControl(o.congestionControl()).windowScaling(true).maxOutOfOrderRanges(o.outOfOrderRanges()).build();
        NetworkStack a = new NetworkStack(StackConfig.builder().name("a").address("198.18.0.1/24").secretSeed(1).tcp(tcp)
            .build(), wireA);
        NetworkStack b = new NetworkStack(StackConfig.builder().name("b").address("198.18.0.2/24").secretSeed(2).tcp(tcp)
            .build(), wireB);
        Simulation sim = new Simulation(0).add(a).add(b);
        TcpListener listener = b.tcp().listen(7000);
        Sink sink = new Sink(o.bytes());
        listener.handler(l -> {
            TcpConnection c = l.accept();
            if (c != null) {
                sink.attach(c);
            }
        });
        Source source = new Source(o.bytes());
        TcpConnection client = a.tcp().connect(Endpoint.parse("198.18.0.2:7000"));
        client.handler(source);
        source.connection = client;

        int capacity = o.sampleNs() > 0 ? 1024 : 0;
        Sampler sampler = new Sampler(client, sink, o.sampleNs(), capacity, sim);
        sim.everyStep(sampler);
        long limitNs = Math.max(600_000_000_000L, o.bytes() * 8 * 20 / Math.max(1, o.rateBitsPerSecond()) * 1_000_000_000L);
        boolean finished = sim.runUntil(() -> sink.received >= o.bytes(), limitNs);
        long virtualNs = sim.nowNs();
        sampler.sample(virtualNs, true);
        TcpInfo info = client.info(new TcpInfo());
        long errors = a.counters().get(Counter.STACK_INTERNAL_ERRORS) + b.counters().get(Counter.STACK_INTERNAL_ERRORS);
        Result r = new Result(o, finished, virtualNs, sink.received, sink.mismatches, sampler.slowStartEndNs,
            sampler.bytesAtSlowStartEnd, info.retransmits, info.timeouts, info.fastRetransmits, wireA.rateDropped(),
            wireA.heldOverflow() + wireB.heldOverflow(), sampler.maxCwnd, info.sendWindowScale,
            sink.connection == null ? -1 : sink.connection.info(new TcpInfo()).receiveWindowScale,
            sampler.slowStartEndNs >= 0 && sampler.retransmitsAtSlowStartEnd == 0, sampler.series(),
            System.nanoTime() - wallStart, errors, info.congestionControl,
            "a: " + a.counters().dumpNonZero() + "b: " + b.counters().dumpNonZero());
        client.close();
        if (sink.connection != null) {
            sink.connection.close();
        }
        sim.runFor(1_000_000_000L);
        return r;
    }

    private static FaultConfig faults(Options o, long seed, int queue, int held) {
        return FaultConfig.builder(seed).delayNs(o.oneWayDelayNs()).rate(o.rateBitsPerSecond(), queue)
            .maxHeldFrames(held).build();
    }

    /** A's application: writes the pattern as fast as the send buffer takes it. */
    private static final class Source implements TcpHandler {
        private final long bytes;
        private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(256 * 1024));
        private TcpConnection connection;
        private long sent;

        Source(long bytes) {
            this.bytes = bytes;
        }

        void pump() {
            while (sent < bytes) {
                int chunk = (int) Math.min(scratch.capacity(), bytes - sent);
                BytePattern.fill(1, sent, scratch, 0, chunk);
                int n = connection.write(scratch, 0, chunk);
                sent += n;
                if (n < chunk) {
                    return;
                }
            }
        }

        @Override
        public void onConnected(TcpConnection c) {
            pump();
        }

        @Override
        public void onWritable(TcpConnection c) {
            pump();
        }
    }

    /** B's application: reads everything and checks it against the pattern. */
    private static final class Sink implements TcpHandler {
        private final long bytes;
        private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(256 * 1024));
        private TcpConnection connection;
        private long received;
        private long mismatches;

        Sink(long bytes) {
            this.bytes = bytes;
        }

        void attach(TcpConnection c) {
            connection = c;
            c.handler(this);
        }

        @Override
        public void onReadable(TcpConnection c) {
            int n;
            while ((n = c.read(scratch, 0, scratch.capacity())) > 0) {
                mismatches += BytePattern.mismatches(1, received, scratch, 0, n);
                received += n;
            }
        }
    }

    /** Samples A's connection every {@code periodNs} of virtual time; tracks the end of slow start. */
    private static final class Sampler implements Runnable {
        private final TcpConnection connection;
        private final Sink sink;
        private final long periodNs;
        private final Simulation sim;
        private final TcpInfo info = new TcpInfo();
        private long nextNs;
        private long[][] rows;
        private int count;
        long maxCwnd;
        long slowStartEndNs = -1;
        long bytesAtSlowStartEnd;
        long retransmitsAtSlowStartEnd;

        Sampler(TcpConnection connection, Sink sink, long periodNs, int capacity, Simulation sim) {
            this.connection = connection;
            this.sink = sink;
            this.periodNs = periodNs > 0 ? periodNs : 10_000_000L;
            this.rows = new long[capacity][];
            this.sim = sim;
        }

        @Override
        public void run() {
            long now = sim.nowNs();
            if (now - nextNs >= 0) {
                sample(now, false);
                nextNs = now + Math.min(periodNs, 1_000_000L);
            }
        }

        /** Every call (1 ms at most apart) tracks cwnd and slow start; a row is kept once per period. */
        void sample(long now, boolean last) {
            connection.info(info);
            maxCwnd = Math.max(maxCwnd, info.cwndBytes);
            if (slowStartEndNs < 0 && info.ssthreshBytes < Integer.MAX_VALUE / 2 && info.bytesAcked > 0) {
                slowStartEndNs = now;
                bytesAtSlowStartEnd = sink.received;
                retransmitsAtSlowStartEnd = info.retransmits;
            }
            if (rows.length == 0 && !last) {
                return;
            }
            if (!last && count > 0 && now - rows[count - 1][0] < periodNs) {
                return;
            }
            if (count == rows.length) {
                rows = java.util.Arrays.copyOf(rows, Math.max(16, rows.length * 2));
            }
            rows[count++] = new long[] {now, info.cwndBytes, Math.min(info.ssthreshBytes, Integer.MAX_VALUE),
                info.bytesAcked, sink.received};
        }

        long[][] series() {
            return java.util.Arrays.copyOf(rows, count);
        }
    }
}
