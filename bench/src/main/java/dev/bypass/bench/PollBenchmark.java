package dev.bypass.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One turn of {@link EchoBenchmark}'s loop with nothing to do: the clock read and one duty cycle of each of
 * the two stacks (empty receive ring, no timer due, no events, no output, empty flush), with an established
 * connection idle between them. A round trip of the echo takes three turns; this is their floor.
 */
public class PollBenchmark extends BenchmarkDefaults {
    private TwoStacks stacks;

    @Setup(Level.Trial)
    public void setUp() {
        stacks = new TwoStacks();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stacks.close();
    }

    /** Returns the work the two polls found (0 once idle). */
    @Benchmark
    public int idleTurn() {
        return stacks.pollBoth();
    }
}
