package dev.bypass.nic.dpdk;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the DPDK driver needs besides DPDK: entering a network namespace ({@code setns}) for the
 * threads that probe and configure af_packet ports, and a {@code FILE *} for DPDK's log. Control path
 * only; errno is captured after each call, as in the TAP driver's Libc.
 */
final class Libc {
    // <fcntl.h>
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    // <sched.h>
    static final int CLONE_NEWNET = 0x40000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
        CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno")).withInvokeExactBehavior();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = downcall("open",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = downcall("setns",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle FOPEN = downcall("fopen",
        FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS), ERRNO);

    private Libc() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol '" + name + "'"));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /**
     * Moves the calling thread into the network namespace at {@code path} (a file under
     * {@code /var/run/netns}, or {@code /proc/PID/ns/net}). Affects this thread only, and the threads it
     * starts afterwards. Returns 0, or the errno of the failing call.
     */
    static int enterNetworkNamespace(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0) {
                return errno(state);
            }
            int rc = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
            int error = rc < 0 ? errno(state) : 0;
            int ignored = (int) CLOSE.invokeExact(state, fd);
            return error;
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to open/setns/close failed", t);
        }
    }

    /** {@code fopen(path, mode)}: a {@code FILE *} as an address, or 0 (see the returned errno in the message). */
    static long fopen(String path, String mode) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            return (long) FOPEN.invokeExact(state, arena.allocateFrom(path), arena.allocateFrom(mode));
        } catch (Throwable t) {
            throw new IllegalStateException("FFM downcall to fopen failed", t);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO_HANDLE.get(state, 0L);
    }

    /** The C name of the errno values these calls return, or "errno N". */
    static String errnoName(int errno) {
        return switch (errno) {
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 9 -> "EBADF";
            case 13 -> "EACCES";
            case 22 -> "EINVAL";
            case 24 -> "EMFILE";
            default -> "errno " + errno;
        };
    }
}
