package dev.bypass.host;

import dev.bypass.stack.NetworkStack;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * Drives one {@link NetworkStack} on a thread of its own in real time: the poll-mode thread of one
 * resource. Each duty cycle runs the tasks other threads handed in, then one {@link NetworkStack#poll}
 * with the clock read once; the idle strategy decides what an idle cycle costs (busy spin for the lowest
 * latency, backoff on a machine with few cores).
 *
 * <p>Code that uses the stack (its connections, sockets, handlers) runs on this thread: through
 * {@link #execute} or {@link #call}, or in handlers the stack calls. This is the thin, run-to-completion
 * way to use the stack; the ring-handoff socket API builds on it.
 */
public final class PollLoop implements AutoCloseable {
    private static final DutyCycleHook NO_HOOK = (nowNs, work) -> 0;
    private static final java.lang.invoke.VarHandle EXTRA_HOOKS;

    static {
        try {
            EXTRA_HOOKS = java.lang.invoke.MethodHandles.lookup().findVarHandle(PollLoop.class, "extraHooks",
                DutyCycleHook[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final NetworkStack stack;
    private final DutyCycleHook hook;
    private final ManyToOneConcurrentArrayQueue<Runnable> tasks = new ManyToOneConcurrentArrayQueue<>(1024);
    /** Hooks added after start (the socket API's bridge): copied on add, read once per duty cycle. */
    private volatile DutyCycleHook[] extraHooks = new DutyCycleHook[0];
    private final AgentRunner runner;
    private volatile Thread thread;

    /**
     * What a poll thread does besides polling its stack, on that thread: pinning itself to a CPU when it
     * starts, publishing counters after a duty cycle. Must not allocate in {@link #afterDutyCycle}.
     */
    public interface DutyCycleHook {
        /** Called once on the poll thread before its first duty cycle. */
        default void onStart() {
        }

        /**
         * Called after each duty cycle with its clock reading and the work it did; returns further work done
         * (counted towards the idle strategy's decision).
         */
        int afterDutyCycle(long nowNs, int work);
    }

    private PollLoop(NetworkStack stack, IdleStrategy idle, String name, DutyCycleHook hook) {
        this.stack = stack;
        this.hook = hook;
        this.runner = new AgentRunner(idle, this::onError, null, new StackAgent(name));
    }

    /** Starts a poll thread for {@code stack} with a backoff idle strategy. */
    public static PollLoop start(NetworkStack stack, String name) {
        return start(stack, new BackoffIdleStrategy(1, 10, 1_000, 100_000), name);
    }

    public static PollLoop start(NetworkStack stack, IdleStrategy idle, String name) {
        return start(stack, idle, name, NO_HOOK);
    }

    /** Starts a poll thread that also runs {@code hook}. */
    public static PollLoop start(NetworkStack stack, IdleStrategy idle, String name, DutyCycleHook hook) {
        PollLoop loop = new PollLoop(stack, idle, name, hook);
        AgentRunner.startOnThread(loop.runner);
        return loop;
    }

    public NetworkStack stack() {
        return stack;
    }

    /**
     * Adds {@code hook} to run after each duty cycle from now on (after the start hook's; {@link
     * DutyCycleHook#onStart} is not called). Any thread; control path (the array of hooks is copied).
     */
    public void addDutyCycleHook(DutyCycleHook hook) {
        java.util.Objects.requireNonNull(hook, "hook");
        DutyCycleHook[] old;
        DutyCycleHook[] hooks;
        do {
            old = extraHooks;
            hooks = java.util.Arrays.copyOf(old, old.length + 1);
            hooks[old.length] = hook;
        } while (!EXTRA_HOOKS.compareAndSet(this, old, hooks));
    }

    /** Runs {@code task} on the poll thread at its next duty cycle. */
    public void execute(Runnable task) {
        if (runner.isClosed()) {
            throw new IllegalStateException("poll loop of stack '" + stack.config().name() + "' is closed");
        }
        if (!tasks.offer(task)) {
            throw new IllegalStateException("poll loop task queue of stack '" + stack.config().name() + "' is full ("
                + tasks.capacity() + " tasks)");
        }
    }

    /** Runs {@code task} on the poll thread and waits for its result (control path, not the data path). */
    public <T> T call(Callable<T> task) {
        if (Thread.currentThread() == thread) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the poll thread", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("poll thread of stack '" + stack.config().name() + "' did not answer in 30 s", e);
        }
    }

    /** True if the caller is the poll thread. */
    public boolean onPollThread() {
        return Thread.currentThread() == thread;
    }

    private void onError(Throwable t) {
        System.err.println("poll loop of stack '" + stack.config().name() + "': " + t);
        t.printStackTrace();
    }

    /** Stops the thread (waits for it) and closes the stack and its device. */
    @Override
    public void close() {
        runner.close();
        stack.close();
    }

    private final class StackAgent implements Agent {
        private final String name;

        StackAgent(String name) {
            this.name = name;
        }

        @Override
        public void onStart() {
            thread = Thread.currentThread();
            hook.onStart();
            stack.start(System.nanoTime());
        }

        @Override
        public int doWork() {
            // One clock read per duty cycle; tasks (connect, write) run at that time, then the poll.
            long nowNs = System.nanoTime();
            stack.advanceTo(nowNs);
            int work = 0;
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
                work++;
            }
            work += stack.poll(nowNs);
            int more = hook.afterDutyCycle(nowNs, work);
            for (DutyCycleHook extra : extraHooks) {
                more += extra.afterDutyCycle(nowNs, work);
            }
            return work + more;
        }

        @Override
        public String roleName() {
            return name;
        }
    }
}
