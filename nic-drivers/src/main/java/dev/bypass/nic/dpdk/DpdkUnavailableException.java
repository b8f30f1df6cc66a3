package dev.bypass.nic.dpdk;

/**
 * DPDK cannot be used in this process: the shim library is missing or cannot be loaded, or is of another
 * version. The message says what is missing and how to get it (install libdpdk, build the shim, point
 * {@code -Dbypass.dpdk.library} at it).
 */
public final class DpdkUnavailableException extends RuntimeException {
    DpdkUnavailableException(String message) {
        super(message);
    }

    DpdkUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
