package dev.bypass.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Waits for SIGINT or SIGTERM so a command can stop cleanly and exit 0, with {@code sun.misc.Signal} (as
 * Aeron's {@code SigInt} did): a shutdown hook, as Agrona's {@code ShutdownSignalBarrier} uses, would leave the
 * exit status at 130 or 143. javac warns that the API is internal; it is in module jdk.unsupported, there for
 * this use. {@link #close} puts the previous handlers back. A process started with SIGINT ignored (a
 * background job of a non-interactive shell) keeps ignoring it; SIGTERM still stops it.
 */
final class Signals implements AutoCloseable {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicReference<String> received = new AtomicReference<>();
    private final List<Object[]> previous = new ArrayList<>();

    private Signals() {
    }

    /** Handles SIGINT and SIGTERM until {@link #close}. */
    static Signals install() {
        Signals s = new Signals();
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal signal = new sun.misc.Signal(name);
                sun.misc.SignalHandler old = sun.misc.Signal.handle(signal, sig -> s.received(sig.getName()));
                s.previous.add(new Object[] {signal, old});
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // the JVM uses this signal itself (-Xrs): its default action (exit) stays
            }
        }
        return s;
    }

    private void received(String name) {
        received.compareAndSet(null, "SIG" + name);
        stop.countDown();
    }

    /** Waits for a signal, at most {@code max} (null: for ever); returns its name, or null if time ran out. */
    String await(Duration max) throws InterruptedException {
        if (max == null) {
            stop.await();
        } else if (!stop.await(max.toNanos(), TimeUnit.NANOSECONDS)) {
            return null;
        }
        return received.get();
    }

    @Override
    public void close() {
        for (Object[] p : previous) {
            sun.misc.Signal.handle((sun.misc.Signal) p[0], (sun.misc.SignalHandler) p[1]);
        }
        previous.clear();
    }
}
