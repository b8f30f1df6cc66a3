package dev.bypass.nic.driver;

import java.util.List;
import java.util.Map;

/**
 * What a driver needs to open one resource: the common settings every driver reads, the raw keys of the
 * {@code [resource.NAME]} section for a driver's own keys, and the process-wide DPDK EAL settings.
 *
 * @param name          the resource's name ({@code r0} of {@code [resource.r0]})
 * @param ipv4Address   the resource's IPv4 address (host order; 198.18.0.2 is {@code 0xC6120002}), its
 *                      {@code address} key: what drivers that steer flows (DPDK's flow isolation) claim
 * @param prefixLength  the length of its subnet's prefix, 1 to 32
 * @param macAddress    48-bit MAC, or {@link #DEFAULT_MAC} for the driver's choice (a derived local address)
 * @param mtu           largest IP packet in bytes
 * @param queues        receive (and transmit) queues asked for
 * @param offloads      use the device's checksum and segmentation offloads where it has them
 * @param poolFrames    frames in the device's buffer pool, or 0 for the driver's default
 * @param txQueueFrames frames queued for transmit between two flushes, or 0 for the driver's default
 * @param options       every key of the section as written (values as text), for driver-specific keys
 * @param eal           the {@code [eal]} section, for drivers built on DPDK
 */
public record ResourceSettings(String name, int ipv4Address, int prefixLength, long macAddress, int mtu, int queues, boolean offloads, int poolFrames,
                               int txQueueFrames, Map<String, String> options, Eal eal) {
    /** {@link #macAddress} value leaving the MAC to the driver. */
    public static final long DEFAULT_MAC = -1;

    public ResourceSettings {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is not 0..32");
        }
        options = Map.copyOf(options);
    }

    /** A driver-specific setting, or {@code fallback}. */
    public String option(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    /**
     * The DPDK Environment Abstraction Layer settings of the process (one EAL per process, initialised by the
     * first DPDK resource).
     *
     * @param args       arguments passed to {@code rte_eal_init} after the program name
     * @param filePrefix {@code --file-prefix}: the name of this process's hugepage files and runtime directory
     */
    public record Eal(List<String> args, String filePrefix) {
        public static final Eal NONE = new Eal(List.of(), "bypass");

        public Eal {
            args = List.copyOf(args);
        }
    }
}
