package dev.bypass.stack.time;

/**
 * Wrap-safe comparisons for nanosecond deadlines, and the "no deadline" value. Deadlines are compared
 * by the sign of their difference ({@code (a - b) < 0}) as Agrona does, so a clock that starts near
 * {@link Long#MAX_VALUE} still works; {@link #NONE} is kept apart.
 */
public final class Deadlines {
    /** No deadline set. */
    public static final long NONE = Long.MAX_VALUE;

    private Deadlines() {
    }

    /** True if {@code deadlineNs} is set and has been reached at {@code nowNs}. */
    public static boolean expired(long deadlineNs, long nowNs) {
        return deadlineNs != NONE && nowNs - deadlineNs >= 0;
    }

    /** The earlier of two deadlines, {@link #NONE} counting as later than any. */
    public static long earliest(long a, long b) {
        if (a == NONE) {
            return b;
        }
        if (b == NONE) {
            return a;
        }
        return a - b <= 0 ? a : b;
    }
}
