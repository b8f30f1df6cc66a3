package dev.bypass.host;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.time.Deadlines;
import java.util.function.BooleanSupplier;

/**
 * Several stacks on one thread in virtual time: deterministic, and as fast as the CPU allows (a
 * retransmission timeout costs nothing to wait for). Each step polls every stack at the current time
 * until none has work; then the clock jumps to the earliest deadline any stack or device reports.
 *
 * <p>Stacks are connected through in-memory NICs whose delivery is immediate; delays come from fault
 * decorators, which report when their held frames are due.
 */
public final class Simulation {
    // Arrays, not lists: the loops below run millions of times and must not allocate iterators.
    private NetworkStack[] stacks = new NetworkStack[0];
    private Runnable[] perStep = new Runnable[0];
    private long nowNs;
    private long steps;

    public Simulation(long startNs) {
        this.nowNs = startNs;
    }

    /** Adds a stack and starts it at the simulation's current time. */
    public Simulation add(NetworkStack stack) {
        stacks = java.util.Arrays.copyOf(stacks, stacks.length + 1);
        stacks[stacks.length - 1] = stack;
        stack.start(nowNs);
        return this;
    }

    /** Code run once per step on the simulation's thread (applications that poll). */
    public Simulation everyStep(Runnable action) {
        perStep = java.util.Arrays.copyOf(perStep, perStep.length + 1);
        perStep[perStep.length - 1] = action;
        return this;
    }

    public long nowNs() {
        return nowNs;
    }

    public long steps() {
        return steps;
    }

    /** Polls every stack at the current time until all are idle; returns the work done. */
    public int settle() {
        int total = 0;
        for (int round = 0; round < 1_000_000; round++) {
            int work = 0;
            for (int i = 0; i < perStep.length; i++) {
                perStep[i].run();
            }
            for (int i = 0; i < stacks.length; i++) {
                work += stacks[i].poll(nowNs);
            }
            total += work;
            if (work == 0) {
                return total;
            }
        }
        throw new IllegalStateException("simulation did not settle at t=" + nowNs + " ns: a stack keeps finding work");
    }

    private long nextDeadlineNs() {
        long next = Deadlines.NONE;
        for (int i = 0; i < stacks.length; i++) {
            next = Deadlines.earliest(next, stacks[i].nextDeadlineNs());
        }
        return next;
    }

    /** Settles, then moves the clock to the next deadline; returns false if there is none. */
    public boolean step() {
        settle();
        return advance();
    }

    private boolean advance() {
        steps++;
        long next = nextDeadlineNs();
        if (next == Deadlines.NONE) {
            return false;
        }
        if (next - nowNs > 0) {
            nowNs = next;
        }
        return true;
    }

    /**
     * Runs until {@code done} holds, at most {@code maxVirtualNs} of virtual time; returns true if it held.
     * The condition is checked after every settle, before the clock moves.
     */
    public boolean runUntil(BooleanSupplier done, long maxVirtualNs) {
        long end = nowNs + maxVirtualNs;
        while (true) {
            settle();
            if (done.getAsBoolean()) {
                return true;
            }
            if (nowNs - end >= 0 || !advance()) {
                return false;
            }
        }
    }

    /** Runs the clock forward by {@code ns}, processing everything due on the way. */
    public void runFor(long ns) {
        long end = nowNs + ns;
        while (true) {
            settle();
            long next = nextDeadlineNs();
            if (next == Deadlines.NONE || next - end > 0) {
                nowNs = end;
                settle();
                return;
            }
            nowNs = Math.max(nowNs, next);
        }
    }
}
