package dev.bypass.nic.fault;

/**
 * What a {@link FaultInjectingDevice} does to the frames it transmits: immutable, built with
 * {@link #builder(long)} and checked by {@link Builder#build()}, which names any bad value. Every fault is
 * off by default; {@link #NONE} passes frames through untouched.
 *
 * <pre>{@code
 * FaultConfig lossy = FaultConfig.builder(42)
 *     .lossPercent(1)
 *     .delayNs(5_000_000).jitterNs(1_000_000)
 *     .rate(100_000_000, 64 * 1024)       // a 100 Mbit/s bottleneck with a 64 KiB queue
 *     .build();
 * }</pre>
 *
 * @param seed              seed of the random source: the same seed and calls give the same faults
 * @param lossPercent       chance in percent that a frame is dropped
 * @param duplicatePercent  chance in percent that a frame is sent twice
 * @param reorderPercent    chance in percent that a frame is held back until the next frame has been sent
 * @param reorderHoldNs     the longest a held-back frame waits for a next frame before it is sent anyway
 * @param corruptPercent    chance in percent that one random bit of a frame is flipped
 * @param delayNs           fixed delay added to every frame
 * @param jitterNs          uniform random delay in [0, jitterNs] added on top (may reorder frames, as netem's)
 * @param rateBitsPerSecond bottleneck rate, 0 for none
 * @param rateQueueBytes    bytes the bottleneck queues before it drops arriving frames (drop-tail)
 * @param flapPeriodNs      link flap period, 0 for none: the link is down for the last {@code flapDownNs} of
 *                          every period (so a run that starts at time 0 starts with the link up)
 * @param flapDownNs        time the link is down in each period
 * @param maxHeldFrames     frames held back at most (delayed, queued or reordered); more are dropped and counted
 */
public record FaultConfig(long seed, double lossPercent, double duplicatePercent, double reorderPercent,
                          long reorderHoldNs, double corruptPercent, long delayNs, long jitterNs,
                          long rateBitsPerSecond, int rateQueueBytes, long flapPeriodNs, long flapDownNs,
                          int maxHeldFrames) {
    /** Frames held at most unless set. */
    public static final int DEFAULT_MAX_HELD_FRAMES = 4096;
    /** How long a reordered frame waits for a next frame unless set: 1 ms. */
    public static final long DEFAULT_REORDER_HOLD_NS = 1_000_000;

    /** No faults at all. */
    public static final FaultConfig NONE = builder(0).build();

    public FaultConfig {
        checkPercent("lossPercent", lossPercent);
        checkPercent("duplicatePercent", duplicatePercent);
        checkPercent("reorderPercent", reorderPercent);
        checkPercent("corruptPercent", corruptPercent);
        check(reorderHoldNs > 0, "reorderHoldNs", reorderHoldNs, "positive");
        check(delayNs >= 0, "delayNs", delayNs, "0 or more");
        check(jitterNs >= 0 && jitterNs < Long.MAX_VALUE, "jitterNs", jitterNs, "0 or more");
        check(rateBitsPerSecond >= 0, "rateBitsPerSecond", rateBitsPerSecond, "0 (no limit) or more");
        check(rateBitsPerSecond == 0 || rateQueueBytes > 0, "rateQueueBytes", rateQueueBytes,
            "positive with a rate limit of " + rateBitsPerSecond + " bit/s");
        check(rateQueueBytes >= 0, "rateQueueBytes", rateQueueBytes, "0 or more");
        check(flapPeriodNs >= 0, "flapPeriodNs", flapPeriodNs, "0 (no flaps) or more");
        check(flapPeriodNs == 0 ? flapDownNs == 0 : flapDownNs > 0 && flapDownNs < flapPeriodNs, "flapDownNs", flapDownNs,
            flapPeriodNs == 0 ? "0 without a flap period" : "between 0 and the flap period " + flapPeriodNs + " ns (exclusive)");
        check(maxHeldFrames >= 1, "maxHeldFrames", maxHeldFrames, "at least 1");
    }

    /** A builder with every fault off and the given seed. */
    public static Builder builder(long seed) {
        return new Builder(seed);
    }

    /** True if any fault is configured; without one, frames pass through untouched. */
    public boolean injectsFaults() {
        return lossPercent > 0 || duplicatePercent > 0 || corruptPercent > 0 || flapPeriodNs > 0 || holdsFrames();
    }

    /** True if some frames may be held back: delay, jitter, a rate limit or reordering. */
    public boolean holdsFrames() {
        return delayNs > 0 || jitterNs > 0 || rateBitsPerSecond > 0 || reorderPercent > 0;
    }

    private static void checkPercent(String name, double value) {
        if (!(value >= 0 && value <= 100)) {
            throw new IllegalArgumentException("fault config: " + name + " = " + value + " is invalid, must be between 0 and 100");
        }
    }

    private static void check(boolean ok, String name, long value, String wanted) {
        if (!ok) {
            throw new IllegalArgumentException("fault config: " + name + " = " + value + " is invalid, must be " + wanted);
        }
    }

    /** Collects a {@link FaultConfig}; {@link #build()} checks it. */
    public static final class Builder {
        private final long seed;
        private double lossPercent;
        private double duplicatePercent;
        private double reorderPercent;
        private long reorderHoldNs = DEFAULT_REORDER_HOLD_NS;
        private double corruptPercent;
        private long delayNs;
        private long jitterNs;
        private long rateBitsPerSecond;
        private int rateQueueBytes;
        private long flapPeriodNs;
        private long flapDownNs;
        private int maxHeldFrames = DEFAULT_MAX_HELD_FRAMES;

        private Builder(long seed) {
            this.seed = seed;
        }

        public Builder lossPercent(double percent) {
            this.lossPercent = percent;
            return this;
        }

        public Builder duplicatePercent(double percent) {
            this.duplicatePercent = percent;
            return this;
        }

        /** Holds {@code percent} of frames back until the next frame has been sent (at most {@link #reorderHoldNs}). */
        public Builder reorderPercent(double percent) {
            this.reorderPercent = percent;
            return this;
        }

        public Builder reorderHoldNs(long holdNs) {
            this.reorderHoldNs = holdNs;
            return this;
        }

        /** Flips one random bit in {@code percent} of frames (after their checksums are complete). */
        public Builder corruptPercent(double percent) {
            this.corruptPercent = percent;
            return this;
        }

        public Builder delayNs(long delayNs) {
            this.delayNs = delayNs;
            return this;
        }

        public Builder jitterNs(long jitterNs) {
            this.jitterNs = jitterNs;
            return this;
        }

        /** A bottleneck of {@code bitsPerSecond} with a queue of {@code queueBytes}; frames beyond it are dropped. */
        public Builder rate(long bitsPerSecond, int queueBytes) {
            this.rateBitsPerSecond = bitsPerSecond;
            this.rateQueueBytes = queueBytes;
            return this;
        }

        /** The link goes down for {@code downNs} at the end of every {@code periodNs}. */
        public Builder flaps(long periodNs, long downNs) {
            this.flapPeriodNs = periodNs;
            this.flapDownNs = downNs;
            return this;
        }

        public Builder maxHeldFrames(int maxHeldFrames) {
            this.maxHeldFrames = maxHeldFrames;
            return this;
        }

        public FaultConfig build() {
            return new FaultConfig(seed, lossPercent, duplicatePercent, reorderPercent, reorderHoldNs, corruptPercent,
                delayNs, jitterNs, rateBitsPerSecond, rateQueueBytes, flapPeriodNs, flapDownNs, maxHeldFrames);
        }
    }
}
