package dev.bypass.nic.tap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
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
 * The few libc calls and constants the TAP driver needs, bound through FFM downcalls (Linux, x86-64 and
 * aarch64 ABI values). A thin, mechanical layer: constants carry their C header names so a reader can
 * check them against {@code <fcntl.h>}, {@code <errno.h>}, {@code <linux/if_tun.h>} and {@code <net/if.h>}.
 *
 * <p>Every call takes a call-state segment ({@link #allocateCallState}) into which the linker copies
 * {@code errno} right after the call, before the JVM can clobber it; read it with {@link #errno}. A call
 * that fails returns -1, as in C.
 *
 * <p>{@link #read} and {@link #write} take the buffer as a raw address in a {@code long}: a pointer is a
 * 64-bit integer in the C ABI, and passing it as one spares a {@code MemorySegment} per frame. They are
 * linked {@linkplain Linker.Option#critical critical} (no thread-state transition): they are only used on
 * non-blocking descriptors, so they return within the few microseconds of one syscall, and a safepoint waits
 * at most that long. On the development VM the syscall dominates (an idle read costs about 360 ns with or
 * without the option); the saving is the transition, a few nanoseconds a call, which counts on bare metal.
 */
final class Libc {
    // <fcntl.h>
    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    // <sys/socket.h>
    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = O_CLOEXEC;

    // <linux/if_tun.h>
    /** {@code _IOW('T', 202, int)}: attach the descriptor to a (new) TUN/TAP interface. */
    static final long TUNSETIFF = 0x400454caL;
    static final short IFF_TUN = 0x0001;
    static final short IFF_TAP = 0x0002;
    /** No 4-byte packet-information prefix: each read/write is exactly one Ethernet frame. */
    static final short IFF_NO_PI = 0x1000;
    /** Fail with EBUSY if an interface of that name exists, instead of attaching to it. */
    static final short IFF_TUN_EXCL = (short) 0x8000;

    // <linux/sockios.h>
    static final long SIOCGIFMTU = 0x8921L;
    static final long SIOCSIFMTU = 0x8922L;

    // <net/if.h>
    static final int IFNAMSIZ = 16;

    // <asm-generic/errno-base.h>, <asm-generic/errno.h>
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int EBUSY = 16;
    static final int EEXIST = 17;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int ENOTTY = 25;
    static final int ENAMETOOLONG = 36;
    static final int EBADFD = 77;
    static final int EMSGSIZE = 90;
    static final int ENOBUFS = 105;

    /**
     * {@code struct ifreq} as TUNSETIFF and the SIOC*IF* calls use it: the name, then a 24-byte union of
     * which only {@code ifr_flags} (short) or {@code ifr_mtu}/{@code ifr_ifindex} (int) are used here.
     */
    static final StructLayout IFREQ = MemoryLayout.structLayout(
        MemoryLayout.sequenceLayout(IFNAMSIZ, JAVA_BYTE).withName("ifr_name"),
        MemoryLayout.sequenceLayout(24, JAVA_BYTE).withName("ifr_ifru"));
    /** Offset of the {@code ifr_ifru} union (flags, mtu, ifindex all start there). */
    static final long IFR_IFRU_OFFSET = IFNAMSIZ;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
        CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno")).withInvokeExactBehavior();

    // open and ioctl are variadic in C: the optional argument is passed as a variadic one, as the ABI wants.
    private static final MethodHandle OPEN = downcall("open",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL = downcall("ioctl",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SOCKET = downcall("socket",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = downcall("read",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.critical(false));
    private static final MethodHandle WRITE = downcall("write",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.critical(false));

    private Libc() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol '" + name + "'"));
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        return LINKER.downcallHandle(symbol, descriptor, all);
    }

    /** A segment to receive {@code errno} after each call; one per thread that makes calls. */
    static MemorySegment allocateCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** The {@code errno} the last call through {@code callState} left. */
    static int errno(MemorySegment callState) {
        return (int) ERRNO_HANDLE.get(callState, 0L);
    }

    static int open(MemorySegment callState, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(callState, path, flags, 0);
        } catch (Throwable t) {
            throw linkageFailure("open", t);
        }
    }

    static int ioctl(MemorySegment callState, int fd, long request, MemorySegment argument) {
        try {
            return (int) IOCTL.invokeExact(callState, fd, request, argument);
        } catch (Throwable t) {
            throw linkageFailure("ioctl", t);
        }
    }

    static int socket(MemorySegment callState, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(callState, domain, type, protocol);
        } catch (Throwable t) {
            throw linkageFailure("socket", t);
        }
    }

    static int close(MemorySegment callState, int fd) {
        try {
            return (int) CLOSE.invokeExact(callState, fd);
        } catch (Throwable t) {
            throw linkageFailure("close", t);
        }
    }

    /** {@code read(fd, (void *) address, count)}: bytes read, or -1 with errno set. */
    static long read(MemorySegment callState, int fd, long address, long count) {
        try {
            return (long) READ.invokeExact(callState, fd, address, count);
        } catch (Throwable t) {
            throw linkageFailure("read", t);
        }
    }

    /** {@code write(fd, (const void *) address, count)}: bytes written, or -1 with errno set. */
    static long write(MemorySegment callState, int fd, long address, long count) {
        try {
            return (long) WRITE.invokeExact(callState, fd, address, count);
        } catch (Throwable t) {
            throw linkageFailure("write", t);
        }
    }

    // A downcall handle invoked with its exact type only throws what the Java side of the link throws
    // (errors such as a wrong argument type); the C function itself cannot throw.
    private static IllegalStateException linkageFailure(String function, Throwable t) {
        return new IllegalStateException("FFM downcall to " + function + "() failed", t);
    }

    /** The C name of an errno value ("EBUSY"), or "errno N" for one not listed here. */
    static String errnoName(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EIO -> "EIO";
            case ENXIO -> "ENXIO";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENFILE -> "ENFILE";
            case EMFILE -> "EMFILE";
            case ENOTTY -> "ENOTTY";
            case ENAMETOOLONG -> "ENAMETOOLONG";
            case EBADFD -> "EBADFD";
            case EMSGSIZE -> "EMSGSIZE";
            case ENOBUFS -> "ENOBUFS";
            default -> "errno " + errno;
        };
    }
}
