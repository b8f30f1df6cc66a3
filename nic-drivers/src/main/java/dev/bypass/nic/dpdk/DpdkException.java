package dev.bypass.nic.dpdk;

import java.io.IOException;

/**
 * A DPDK call failed: EAL start, probing, configuring or starting a port, creating a mempool, a flow
 * rule. The message names the call, the device, the error as DPDK words it ({@code rte_strerror}) and
 * what usually causes it.
 */
public final class DpdkException extends IOException {
    private final int errno;

    DpdkException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** The (positive) errno the failing call returned or left in {@code rte_errno}; 0 if none. */
    public int errno() {
        return errno;
    }
}
