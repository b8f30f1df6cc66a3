package dev.bypass.stack.device;

/**
 * What a device offers, read once when the stack starts on it.
 *
 * @param rxQueues receive queues
 * @param txQueues transmit queues
 * @param offloads {@code OFFLOAD_*} bits
 * @param maxTsoBytes the largest TCP super-segment (headers included) the device segments; 0 without TSO
 */
public record DeviceCapabilities(int rxQueues, int txQueues, int offloads, int maxTsoBytes) {
    /** The device fills in the IPv4 header checksum of frames marked {@link Frame#TX_IP_CHECKSUM}. */
    public static final int OFFLOAD_TX_IP_CHECKSUM = 1;
    /** The device fills in TCP checksums ({@link Frame#TX_TCP_CHECKSUM}). */
    public static final int OFFLOAD_TX_TCP_CHECKSUM = 1 << 1;
    /** The device fills in UDP checksums ({@link Frame#TX_UDP_CHECKSUM}). */
    public static final int OFFLOAD_TX_UDP_CHECKSUM = 1 << 2;
    /** The device segments TCP super-segments ({@link Frame#TX_TCP_SEGMENTATION}). */
    public static final int OFFLOAD_TSO = 1 << 3;
    /** The device checks receive checksums and says so in {@link Frame#rxFlags()}. */
    public static final int OFFLOAD_RX_CHECKSUM = 1 << 4;
    /** The device computes an RSS hash on receive. */
    public static final int OFFLOAD_RX_RSS_HASH = 1 << 5;

    public static final DeviceCapabilities NONE = new DeviceCapabilities(1, 1, 0, 0);

    public DeviceCapabilities {
        if (rxQueues < 1 || txQueues < 1) {
            throw new IllegalArgumentException("a device has at least one rx and one tx queue: " + rxQueues + "/" + txQueues);
        }
        if ((offloads & OFFLOAD_TSO) != 0 && maxTsoBytes <= 0) {
            throw new IllegalArgumentException("TSO offered without a maximum super-segment size");
        }
    }

    public boolean has(int offload) {
        return (offloads & offload) == offload;
    }

    public static String describe(int offloads) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"tx-ip-csum", "tx-tcp-csum", "tx-udp-csum", "tso", "rx-csum", "rss-hash"};
        for (int i = 0; i < names.length; i++) {
            if ((offloads & (1 << i)) != 0) {
                sb.append(sb.isEmpty() ? "" : ",").append(names[i]);
            }
        }
        return sb.isEmpty() ? "none" : sb.toString();
    }
}
