package dev.bypass.nic.tap;

import dev.bypass.stack.ExceptionPath;
import dev.bypass.stack.device.Frame;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.MessageHandler;

/**
 * The kernel's end of an {@link ExceptionPath}: a thread of its own that moves frames between the path's
 * rings and a TAP interface, so the TAP's system calls never run on a poll thread.
 *
 * <pre>
 *   stack (poll thread) ── toKernel ring ──► pump ──► TAP ──► kernel (same MAC and address as the NIC)
 *   stack (poll thread) ◄─ fromKernel ring ◄─ pump ◄── TAP ◄── kernel
 * </pre>
 *
 * <p>Give the TAP's kernel side the NIC's MAC and the stack's address (and routes), as F-Stack does with
 * its kernel interface: the kernel then answers what reaches it as if it owned the NIC, and what it sends
 * goes out on the NIC. An idle pump backs off to sleeping up to a millisecond: this is the slow path.
 */
public final class ExceptionPathPump implements AutoCloseable {
    private static final int BURST = 32;

    private final TapDevice tap;
    private final ExceptionPath path;
    private final AgentRunner runner;
    private final Frame[] burst = new Frame[BURST];
    private final ToTap toTap = new ToTap();
    private final AtomicLong toKernel = new AtomicLong();
    private final AtomicLong fromKernel = new AtomicLong();
    private final AtomicLong fromKernelDropped = new AtomicLong();

    private ExceptionPathPump(TapDevice tap, ExceptionPath path) {
        this.tap = tap;
        this.path = path;
        this.runner = new AgentRunner(new BackoffIdleStrategy(10, 10, 1_000, 1_000_000), this::onError, null,
            new PumpAgent());
    }

    /** Starts pumping between {@code path} and {@code tap}; the pump owns the TAP from here and closes it. */
    public static ExceptionPathPump start(TapDevice tap, ExceptionPath path) {
        ExceptionPathPump pump = new ExceptionPathPump(tap, path);
        AgentRunner.startOnThread(pump.runner);
        return pump;
    }

    /** Frames written to the kernel. */
    public long toKernel() {
        return toKernel.get();
    }

    /** Frames the kernel sent, handed to the stack. */
    public long fromKernel() {
        return fromKernel.get();
    }

    /** Frames the kernel sent that found the stack's ring full. */
    public long fromKernelDropped() {
        return fromKernelDropped.get();
    }

    public TapDevice tap() {
        return tap;
    }

    private void onError(Throwable t) {
        System.err.println("exception path pump (" + tap.name() + "): " + t);
    }

    @Override
    public void close() {
        runner.close();
        tap.close();
    }

    private final class PumpAgent implements org.agrona.concurrent.Agent {
        @Override
        public int doWork() {
            long now = System.nanoTime();
            toTap.nowNs = now;
            int work = path.drainToKernel(toTap, BURST);
            if (work > 0) {
                tap.flush(0, now);
            }
            int n = tap.receive(0, burst, BURST, now);
            for (int i = 0; i < n; i++) {
                Frame frame = burst[i];
                burst[i] = null;
                if (path.offerFromKernel(frame.buffer(), frame.offset(), frame.length())) {
                    fromKernel.incrementAndGet();
                } else {
                    fromKernelDropped.incrementAndGet();
                }
                frame.release();
            }
            return work + n;
        }

        @Override
        public String roleName() {
            return "exception-path-" + tap.name();
        }
    }

    /** Copies a frame from the ring into a TAP frame and queues it. */
    private final class ToTap implements MessageHandler {
        long nowNs;

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            Frame frame = tap.pool().allocate();
            if (frame == null || length > frame.capacity() - frame.offset()) {
                if (frame != null) {
                    frame.release();
                }
                return;
            }
            frame.buffer().putBytes(frame.offset(), buffer, index, length);
            frame.length(length);
            tap.transmit(0, frame, nowNs);
            toKernel.incrementAndGet();
        }
    }
}
