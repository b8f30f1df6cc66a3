package dev.bypass.nic.dpdk;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One platform thread that runs DPDK control calls (EAL init, probe, configure, start, stop, close) in
 * turn, optionally inside a network namespace. The namespace matters for af_packet ports: the PMD opens
 * its sockets, and later looks its interface up by name (promiscuous mode, MTU), in the namespace of the
 * thread making the call, so every control call for such a port must come from a thread in the
 * interface's namespace. {@code setns} moves only the calling thread, so a thread of its own keeps the
 * rest of the JVM where it is.
 *
 * <p>The thread is created by the first {@link #call} (from the caller's thread, so it inherits the
 * caller's CPU affinity, not that of the pinned EAL thread) and lives until {@link #close()}.
 */
final class ControlThread implements AutoCloseable {
    /** A control call: may fail with a {@link DpdkException}. */
    @FunctionalInterface
    interface Task<T> {
        T run() throws DpdkException;
    }

    private final String name;
    private final String networkNamespace;
    private final ExecutorService executor;
    private volatile Thread thread;

    /**
     * A control thread named {@code name}; with a non-null {@code networkNamespace} (a name under
     * {@code /var/run/netns} or a path) it enters that namespace before its first task.
     */
    ControlThread(String name, String networkNamespace) {
        this.name = name;
        this.networkNamespace = networkNamespace;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** The namespace file a name stands for: {@code /var/run/netns/NAME}, or the path itself. */
    static String namespacePath(String networkNamespace) {
        return networkNamespace.startsWith("/") ? networkNamespace : "/var/run/netns/" + networkNamespace;
    }

    /** Enters the namespace (if any); the first task, so that a failure is reported by name. */
    void enterNamespace() throws DpdkException {
        if (networkNamespace == null) {
            return;
        }
        call(() -> {
            String path = namespacePath(networkNamespace);
            int errno = Libc.enterNetworkNamespace(path);
            if (errno != 0) {
                throw new DpdkException("cannot enter network namespace " + path + " (setns): "
                    + Libc.errnoName(errno) + (errno == 2 ? ": no such namespace (ip netns list)"
                    : errno == 1 ? ": needs CAP_SYS_ADMIN (run as root)" : ""), errno);
            }
            return null;
        });
    }

    /** Runs {@code task} on this thread and waits for it; its exception is rethrown here. */
    <T> T call(Task<T> task) throws DpdkException {
        if (Thread.currentThread() == thread) {
            return task.run();
        }
        Future<T> future = executor.submit(() -> {
            thread = Thread.currentThread();
            return task.run();
        });
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for DPDK control thread " + name, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof DpdkException d) {
                throw d;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("DPDK control call on " + name + " failed", cause);
        }
    }

    String networkNamespace() {
        return networkNamespace;
    }

    /** Ends the thread once queued calls have run. */
    @Override
    public void close() {
        executor.shutdown();
    }

    @Override
    public String toString() {
        return name + (networkNamespace == null ? "" : " in netns " + networkNamespace);
    }
}
