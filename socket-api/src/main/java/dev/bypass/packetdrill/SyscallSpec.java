package dev.bypass.packetdrill;

import java.util.List;

/**
 * A system call line: {@code connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)}.
 *
 * @param name     the call ({@code socket}, {@code write}, ...)
 * @param args     its arguments
 * @param result   the expected return value
 * @param errno    the expected errno name, or null
 * @param endUsecs for a blocking call ({@code +0...0.200 accept(...)}), when it is expected to return
 *                 (script time, µs; relative like the start time when the start is relative); -1 for a
 *                 call expected to return at once
 */
record SyscallSpec(String name, List<Expr> args, Expr result, String errno, long endUsecs) {
    boolean blocking() {
        return endUsecs >= 0;
    }

    @Override
    public String toString() {
        String a = args.toString();
        return name + "(" + a.substring(1, a.length() - 1) + ") = " + result + (errno == null ? "" : " " + errno);
    }
}
