package dev.bypass.config;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * What a poll thread does when a duty cycle found no work: {@code busy-spin} (lowest latency, a whole core),
 * {@code yield} (gives the core to another thread that wants it), {@code backoff} (spins, yields, then parks
 * from 1 µs up to 100 µs: the default, polite on a small machine), {@code sleep[:NS]} (parks NS nanoseconds
 * each time, 1000 by default; Linux's timer slack makes that some 50 µs).
 *
 * @param kind    busy-spin, yield, backoff or sleep
 * @param sleepNs for sleep, the park time
 */
public record IdleSpec(String kind, long sleepNs) {
    public static final IdleSpec BACKOFF = new IdleSpec("backoff", 0);
    /** As {@code PollLoop}'s default: 1 spin, 10 yields, then park 1 µs doubling up to 100 µs. */
    private static final long BACKOFF_MIN_PARK_NS = 1_000;
    private static final long BACKOFF_MAX_PARK_NS = 100_000;
    private static final long DEFAULT_SLEEP_NS = 1_000;
    private static final long MAX_SLEEP_NS = 1_000_000_000;

    public static IdleSpec parse(String text) {
        String t = text.strip();
        switch (t) {
            case "busy-spin", "yield", "backoff" -> {
                return new IdleSpec(t, 0);
            }
            case "sleep" -> {
                return new IdleSpec("sleep", DEFAULT_SLEEP_NS);
            }
            default -> {
                if (t.startsWith("sleep:") && t.substring(6).matches("\\d{1,10}")) {
                    long ns = Long.parseLong(t.substring(6));
                    if (ns >= 1 && ns <= MAX_SLEEP_NS) {
                        return new IdleSpec("sleep", ns);
                    }
                }
                throw new IllegalArgumentException("idle strategy '" + text + "': busy-spin, yield, backoff, sleep or sleep:NS");
            }
        }
    }

    /** A new strategy (one per poll thread: strategies keep state). */
    public IdleStrategy newStrategy() {
        return switch (kind) {
            case "busy-spin" -> new BusySpinIdleStrategy();
            case "yield" -> new YieldingIdleStrategy();
            case "sleep" -> new SleepingIdleStrategy(sleepNs);
            default -> new BackoffIdleStrategy(1, 10, BACKOFF_MIN_PARK_NS, BACKOFF_MAX_PARK_NS);
        };
    }

    @Override
    public String toString() {
        return kind.equals("sleep") ? "sleep:" + sleepNs : kind;
    }
}
