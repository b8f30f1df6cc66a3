package dev.bypass.nic.tap;

import java.io.IOException;

/**
 * Opening or configuring a TAP interface failed in the kernel. The message names the interface, the call,
 * the errno by its C name and what usually causes it.
 */
public final class TapException extends IOException {
    private final int errno;

    TapException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The errno the failing call left (e.g. 16 for EBUSY). */
    public int errno() {
        return errno;
    }

    /** The errno's C name ("EBUSY"). */
    public String errnoName() {
        return Libc.errnoName(errno);
    }
}
