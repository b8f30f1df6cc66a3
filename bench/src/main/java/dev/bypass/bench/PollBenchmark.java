package dev.bypass.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One turn of {@link EchoBenchmark}'s loop with nothing to do: the clock read and one duty cycle of each of
 * the two stacks (empty receive ring, no timer due, no events, no output, empty flush), with an established
 * connection idle between them. A round trip of the echo takes three turns; this is their floor.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED"})
public class PollBenchmark {
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
