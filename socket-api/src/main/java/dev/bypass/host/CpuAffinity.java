package dev.bypass.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Pins the calling thread to one CPU with Linux's {@code sched_setaffinity(0, ...)} through FFM, as
 * {@code taskset} does for a process. For poll threads outside DPDK (whose EAL pins its own lcores).
 */
public final class CpuAffinity {
    /** glibc's cpu_set_t: 1024 CPUs. */
    private static final int CPU_SET_BYTES = 128;
    private static final int EINVAL = 22;
    private static final int EPERM = 1;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SCHED_SETAFFINITY;
    private static final String UNAVAILABLE;

    static {
        MethodHandle h = null;
        String why = null;
        try {
            Linker linker = Linker.nativeLinker();
            h = linker.defaultLookup().find("sched_setaffinity").map(address -> linker.downcallHandle(address,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                Linker.Option.captureCallState("errno"))).orElse(null);
            if (h == null) {
                why = "the C library has no sched_setaffinity (not Linux?)";
            }
        } catch (RuntimeException | LinkageError e) {
            why = "cannot bind sched_setaffinity: " + e;
        }
        SCHED_SETAFFINITY = h;
        UNAVAILABLE = why;
    }

    private CpuAffinity() {
    }

    /**
     * Pins the calling thread to {@code cpu}.
     *
     * @throws IllegalStateException the kernel refused (no such CPU online, outside this process's cpuset), or
     *     pinning is not available here; the message says which
     */
    public static void pinCurrentThread(int cpu) {
        if (SCHED_SETAFFINITY == null) {
            throw new IllegalStateException("cannot pin to cpu " + cpu + ": " + UNAVAILABLE);
        }
        if (cpu < 0 || cpu >= CPU_SET_BYTES * 8) {
            throw new IllegalStateException("cpu " + cpu + " is outside 0.." + (CPU_SET_BYTES * 8 - 1));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(CPU_SET_BYTES, 8);
            set.set(ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) SCHED_SETAFFINITY.invokeExact(state, 0, (long) CPU_SET_BYTES, set);
            if (rc != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new IllegalStateException("cannot pin to cpu " + cpu + ": sched_setaffinity failed with "
                    + (errno == EINVAL ? "EINVAL (no such CPU online, or outside this process's allowed CPUs: "
                    + "taskset -p " + ProcessHandle.current().pid() + ")" : errno == EPERM ? "EPERM" : "errno " + errno));
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot pin to cpu " + cpu + ": " + t, t);
        }
    }

    /** The CPUs the calling thread may run on, from /proc/thread-self/status ("0-1"), or "?". */
    public static String allowedCpus() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/thread-self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring("Cpus_allowed_list:".length()).strip();
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux, or no procfs
        }
        return "?";
    }
}
