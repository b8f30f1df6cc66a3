package dev.bypass.nic.dpdk;

import dev.bypass.testing.Environment;

/**
 * What the DPDK tests need of the machine, and the one EAL they share (EAL starts once per process):
 * root, namespaces and ethtool for the veth, and the DPDK shim. Skips locally without them, fails in CI.
 */
public final class DpdkTesting {
    private DpdkTesting() {
    }

    /** Requires root, namespaces, ethtool and a loadable shim; returns the running EAL, starting it if need be. */
    public static DpdkEal requireEal() throws DpdkException {
        Environment.requireNetworkNamespaces();
        Environment.requireCommands("ethtool");
        String reason = DpdkLibrary.unavailableReason();
        Environment.require(reason == null, "DPDK is not usable: " + reason);
        synchronized (DpdkTesting.class) {
            DpdkEal eal = DpdkEal.running();
            return eal != null ? eal : DpdkEal.start(DpdkEalConfig.forVirtualDevices());
        }
    }
}
