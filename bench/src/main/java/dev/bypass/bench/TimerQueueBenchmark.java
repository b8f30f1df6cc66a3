package dev.bypass.bench;

import dev.bypass.stack.time.TimerQueue;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The stack's timer structure, {@link TimerQueue} (an indexed binary min-heap, one entry per owner), holding
 * {@code timers} owners (1,000 or 100,000 connections), each with a deadline spread over the next second, as
 * retransmission and delayed-ACK deadlines are. The queue stays full: every op leaves {@code timers}
 * entries.
 *
 * <ul>
 *   <li>{@link #reschedule}: an owner moves its deadline (what every ACK that pushes an RTO out does).
 *   <li>{@link #cancelAndSchedule}: an owner's entry removed, then inserted again (a timer stopped and a new
 *       one started).
 *   <li>{@link #expire}: the earliest deadline reached: {@link TimerQueue#poll} pops it and calls the owner,
 *       which schedules its next deadline (a connection's timer firing and rearming).
 * </ul>
 *
 * The owner picked and the new deadline come from precomputed random tables, so at 100,000 timers the heap
 * walks miss the cache as they would in a stack with that many connections. The clock advances 1 us per
 * op so new deadlines keep landing among the old ones.
 */
public class TimerQueueBenchmark extends BenchmarkDefaults {
    private static final int TABLE = 1 << 16;
    private static final long WINDOW_NS = 1_000_000_000L;

    @Param({"1000", "100000"})
    public int timers;

    private TimerQueue queue;
    private final int[] handles = new int[TABLE];
    private final long[] offsets = new long[TABLE];
    private int next;
    private long nowNs;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < TABLE; i++) {
            handles[i] = random.nextInt(timers);
            offsets[i] = random.nextLong(WINDOW_NS);
        }
        queue = new TimerQueue(timers);
        nowNs = 1_000_000_000L;
        TimerQueue.Owner owner = (handle, now) -> queue.schedule(handle, now + offsets[next++ & (TABLE - 1)]);
        for (int h = 0; h < timers; h++) {
            queue.register(h, owner);
            queue.schedule(h, nowNs + random.nextLong(WINDOW_NS));
        }
    }

    /** One owner's deadline moved to a new one in the next second; returns the earliest deadline. */
    @Benchmark
    public long reschedule() {
        int i = next++ & (TABLE - 1);
        nowNs += 1_000;
        queue.schedule(handles[i], nowNs + offsets[i]);
        return queue.nextDeadlineNs();
    }

    /** One owner's entry removed and inserted again with a new deadline; returns the earliest deadline. */
    @Benchmark
    public long cancelAndSchedule() {
        int i = next++ & (TABLE - 1);
        int handle = handles[i];
        nowNs += 1_000;
        queue.cancel(handle);
        queue.schedule(handle, nowNs + offsets[i]);
        return queue.nextDeadlineNs();
    }

    /** The earliest deadline expires: popped, its owner called, the owner rearms; returns owners fired (1). */
    @Benchmark
    public int expire() {
        long deadline = queue.nextDeadlineNs();
        if (deadline - nowNs > 0) {
            nowNs = deadline;
        }
        // poll fires every owner due at nowNs; equal deadlines are rare, and each rearms in the future
        return queue.poll(nowNs);
    }
}
