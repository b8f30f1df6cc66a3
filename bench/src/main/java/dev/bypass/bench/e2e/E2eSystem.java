package dev.bypass.bench.e2e;

/**
 * One of the systems the side-by-side harness compares: a client and an echo/discard server, each on one
 * busy thread, over some TCP stack. The harness thread calls these methods one at a time.
 */
interface E2eSystem extends AutoCloseable {
    /** kernel, bypass-handler or bypass-socket. */
    String name();

    /** Threads that busy-poll while the system runs (the per-core figures divide by min(this, cores)). */
    int busyThreads();

    /** Runs {@code warmup + count} ping-pongs of {@code size} bytes at {@code rate}/s (0: closed loop) through {@code pp}. */
    void pingPong(PingPong pp, int size, int warmup, int count, long rate) throws Exception;

    /** Seconds to deliver {@code bytes} in writes of {@code chunk} bytes to the discard server over a new connection. */
    double bulk(int chunk, long bytes) throws Exception;

    /** Seconds to open, exchange one byte (echoed and checked) over, and close {@code n} connections one after another. */
    double connections(int n) throws Exception;

    /** A line on what the stacks saw (segments, retransmissions, drops), or empty where the harness cannot tell. */
    default String diagnostics() {
        return "";
    }

    @Override
    void close();

    /** Busy-waits on the calling thread until {@code done} or {@code timeoutNs}; throws what the poll thread reported. */
    static void awaitQuietly(java.util.function.BooleanSupplier done, java.util.function.Supplier<Throwable> failure,
                             long timeoutNs, String what) throws Exception {
        long deadline = System.nanoTime() + timeoutNs;
        while (!done.getAsBoolean()) {
            Throwable t = failure.get();
            if (t != null) {
                throw new IllegalStateException(what + " failed on the poll thread: " + t, t);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(what + " did not finish in " + timeoutNs / 1_000_000_000L + " s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException(what + " failed on the poll thread: " + t, t);
        }
    }
}
