package dev.bypass.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JMH settings every benchmark here shares (JMH applies a superclass's annotations to its subclasses;
 * a subclass may override one): average time in ns/op, 3 warm-up and 5 measured iterations of 1 s, one
 * fork with the JVM flags the stack runs with from {@code ./bypass}: those of {@code bypass.jvm.flags} in the
 * parent pom, and Agrona's per-access bounds checks off (the stack checks each length once on input; the
 * tests keep the checks on and the fuzz test shows no access out of range).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED", "-Dagrona.disable.bounds.checks=true"})
public abstract class BenchmarkDefaults {
}
