package dev.bypass.nic.memory;

import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.stack.device.DirectFramePool;
import dev.bypass.stack.device.Toeplitz;
import dev.bypass.stack.wire.EthernetHeader;
import org.agrona.BitUtil;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The settings of one {@link InMemoryNic}, immutable and checked when built: every bad value is named in
 * the exception.
 *
 * <pre>{@code
 * InMemoryNicConfig config = InMemoryNicConfig.builder("host-a", MacAddress.local(1))
 *     .rxQueues(4)
 *     .offloads(DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM | DeviceCapabilities.OFFLOAD_TSO)
 *     .maxTsoBytes(16_384)
 *     .frameCapacityBytes(16_384 + DirectFramePool.DEFAULT_HEADROOM)
 *     .build();
 * }</pre>
 */
public final class InMemoryNicConfig {
    /** The offloads an in-memory NIC can offer (the transmit ones are completed in software). */
    public static final int SUPPORTED_OFFLOADS = DeviceCapabilities.OFFLOAD_TX_IP_CHECKSUM
        | DeviceCapabilities.OFFLOAD_TX_TCP_CHECKSUM | DeviceCapabilities.OFFLOAD_TX_UDP_CHECKSUM
        | DeviceCapabilities.OFFLOAD_TSO | DeviceCapabilities.OFFLOAD_RX_RSS_HASH;

    /** Smallest MTU an IPv4 link may have (RFC 791: every host takes 68-byte datagrams). */
    public static final int MIN_MTU = 68;
    /** Largest MTU accepted: a 9000-byte jumbo frame and some. */
    public static final int MAX_MTU = 9216;

    private final String name;
    private final long mac;
    private final int mtu;
    private final int rxQueues;
    private final int txQueues;
    private final int poolFrames;
    private final int frameCapacityBytes;
    private final int headroomBytes;
    private final int txQueueFrames;
    private final int rxRingBytes;
    private final int offloads;
    private final int maxTsoBytes;
    private final byte[] rssKey;

    private InMemoryNicConfig(Builder b) {
        name = b.name;
        mac = b.mac;
        mtu = b.mtu;
        rxQueues = b.rxQueues;
        txQueues = b.txQueues;
        poolFrames = b.poolFrames;
        frameCapacityBytes = b.frameCapacityBytes;
        headroomBytes = b.headroomBytes;
        txQueueFrames = b.txQueueFrames;
        rxRingBytes = b.rxRingBytes;
        offloads = b.offloads;
        maxTsoBytes = b.maxTsoBytes;
        rssKey = b.rssKey.clone();
    }

    /** A builder for a NIC called {@code name} with address {@code mac}; everything else has a default. */
    public static Builder builder(String name, MacAddress mac) {
        return new Builder(name, mac);
    }

    public String name() {
        return name;
    }

    /** The MAC as a 48-bit long. */
    public long mac() {
        return mac;
    }

    /** Largest IP packet in bytes. */
    public int mtu() {
        return mtu;
    }

    public int rxQueues() {
        return rxQueues;
    }

    public int txQueues() {
        return txQueues;
    }

    public int poolFrames() {
        return poolFrames;
    }

    public int frameCapacityBytes() {
        return frameCapacityBytes;
    }

    public int headroomBytes() {
        return headroomBytes;
    }

    /** Frames each transmit queue holds between {@code transmit} and {@code flush}. */
    public int txQueueFrames() {
        return txQueueFrames;
    }

    /** Data bytes of each receive ring (a power of two). */
    public int rxRingBytes() {
        return rxRingBytes;
    }

    /** The offloads the NIC advertises ({@code DeviceCapabilities.OFFLOAD_*}). */
    public int offloads() {
        return offloads;
    }

    public int maxTsoBytes() {
        return maxTsoBytes;
    }

    /** A copy of the Toeplitz key. */
    public byte[] rssKey() {
        return rssKey.clone();
    }

    /** Longest frame the NIC puts on or takes off the wire: MTU, Ethernet header and one VLAN tag. */
    public int maxWireFrameBytes() {
        return mtu + EthernetHeader.LENGTH + EthernetHeader.VLAN_TAG_LENGTH;
    }

    @Override
    public String toString() {
        return name + " " + MacAddress.toString(mac) + " mtu " + mtu + " rxq " + rxQueues + " txq " + txQueues
            + " offloads " + DeviceCapabilities.describe(offloads);
    }

    /** Collects the settings; {@link #build()} checks them. */
    public static final class Builder {
        private final String name;
        private final long mac;
        private int mtu = 1500;
        private int rxQueues = 1;
        private int txQueues = 1;
        private int poolFrames = 4096;
        private int frameCapacityBytes = 2048;
        private int headroomBytes = DirectFramePool.DEFAULT_HEADROOM;
        private int txQueueFrames = 1024;
        private int rxRingBytes = 1 << 20;
        private int offloads;
        private int maxTsoBytes;
        private byte[] rssKey = Toeplitz.SYMMETRIC_KEY;

        private Builder(String name, MacAddress mac) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("in-memory NIC name must not be blank");
            }
            if (mac == null || MacAddress.isMulticast(mac.bits()) || mac.bits() == MacAddress.ZERO) {
                throw new IllegalArgumentException("in-memory NIC '" + name + "' needs a unicast MAC, got " + mac);
            }
            this.name = name;
            this.mac = mac.bits();
        }

        /** Largest IP packet in bytes (default 1500). */
        public Builder mtu(int mtu) {
            this.mtu = mtu;
            return this;
        }

        /** Receive queues (default 1); with more than one, frames are spread by their RSS hash. */
        public Builder rxQueues(int rxQueues) {
            this.rxQueues = rxQueues;
            return this;
        }

        /** Transmit queues (default 1). */
        public Builder txQueues(int txQueues) {
            this.txQueues = txQueues;
            return this;
        }

        /** Frames in the pool of each queue (default 4096). */
        public Builder poolFrames(int poolFrames) {
            this.poolFrames = poolFrames;
            return this;
        }

        /** Bytes per pool frame, headroom included (default 2048); a TSO super-frame must fit in one. */
        public Builder frameCapacityBytes(int frameCapacityBytes) {
            this.frameCapacityBytes = frameCapacityBytes;
            return this;
        }

        /** Bytes in front of the data of a fresh frame (default {@link DirectFramePool#DEFAULT_HEADROOM}). */
        public Builder headroomBytes(int headroomBytes) {
            this.headroomBytes = headroomBytes;
            return this;
        }

        /** Frames a transmit queue holds until {@code flush} (default 1024); more are dropped and counted. */
        public Builder txQueueFrames(int txQueueFrames) {
            this.txQueueFrames = txQueueFrames;
            return this;
        }

        /** Data bytes of each receive ring, a power of two (default 1 MiB); a full ring drops frames. */
        public Builder rxRingBytes(int rxRingBytes) {
            this.rxRingBytes = rxRingBytes;
            return this;
        }

        /** Advertised offloads, {@code DeviceCapabilities.OFFLOAD_*} among {@link #SUPPORTED_OFFLOADS} (default none). */
        public Builder offloads(int offloads) {
            this.offloads = offloads;
            return this;
        }

        /** Largest super-segment accepted with TSO, headers included, in bytes. */
        public Builder maxTsoBytes(int maxTsoBytes) {
            this.maxTsoBytes = maxTsoBytes;
            return this;
        }

        /** The Toeplitz key for RSS (default {@link Toeplitz#SYMMETRIC_KEY}: both directions of a flow on one queue). */
        public Builder rssKey(byte[] rssKey) {
            if (rssKey == null) {
                throw new IllegalArgumentException("NIC '" + name + "': RSS key must not be null");
            }
            this.rssKey = rssKey.clone();
            return this;
        }

        public InMemoryNicConfig build() {
            check(mtu >= MIN_MTU && mtu <= MAX_MTU, "mtu", mtu, "between " + MIN_MTU + " and " + MAX_MTU);
            check(rxQueues >= 1 && rxQueues <= Toeplitz.RETA_SIZE, "rxQueues", rxQueues, "between 1 and " + Toeplitz.RETA_SIZE);
            check(txQueues >= 1, "txQueues", txQueues, "at least 1");
            check(poolFrames >= 1, "poolFrames", poolFrames, "at least 1");
            check(headroomBytes >= 0, "headroomBytes", headroomBytes, "not negative");
            int wireFrame = mtu + EthernetHeader.LENGTH + EthernetHeader.VLAN_TAG_LENGTH;
            check(frameCapacityBytes >= headroomBytes + wireFrame, "frameCapacityBytes", frameCapacityBytes,
                "at least headroom " + headroomBytes + " + the largest wire frame " + wireFrame + " (mtu " + mtu + ")");
            check(txQueueFrames >= 1, "txQueueFrames", txQueueFrames, "at least 1");
            check(BitUtil.isPowerOfTwo(rxRingBytes) && rxRingBytes / 8 >= InMemoryNic.RING_RECORD_HEADER_BYTES + wireFrame,
                "rxRingBytes", rxRingBytes, "a power of two whose eighth (the ring's largest record) holds a "
                    + wireFrame + " byte frame");
            check(rxRingBytes <= Integer.MAX_VALUE - RingBufferDescriptor.TRAILER_LENGTH, "rxRingBytes", rxRingBytes, "smaller");
            check((offloads & ~SUPPORTED_OFFLOADS) == 0, "offloads", offloads,
                "among " + DeviceCapabilities.describe(SUPPORTED_OFFLOADS) + " (asked for "
                    + DeviceCapabilities.describe(offloads & ~SUPPORTED_OFFLOADS) + ")");
            if ((offloads & DeviceCapabilities.OFFLOAD_TSO) != 0) {
                check(maxTsoBytes > wireFrame && maxTsoBytes <= 0xFFFF + EthernetHeader.LENGTH + EthernetHeader.VLAN_TAG_LENGTH,
                    "maxTsoBytes", maxTsoBytes, "above the largest wire frame " + wireFrame + " and at most an IPv4 packet of 65535 bytes");
                check(frameCapacityBytes >= headroomBytes + maxTsoBytes, "frameCapacityBytes", frameCapacityBytes,
                    "at least headroom " + headroomBytes + " + maxTsoBytes " + maxTsoBytes + " (a super-frame is one frame)");
            } else {
                check(maxTsoBytes == 0, "maxTsoBytes", maxTsoBytes, "0 without the TSO offload");
            }
            check(rssKey.length >= 16, "rssKey length", rssKey.length, "at least 16 bytes (Toeplitz over a 12-byte tuple)");
            return new InMemoryNicConfig(this);
        }

        private void check(boolean ok, String field, int value, String wanted) {
            if (!ok) {
                throw new IllegalArgumentException("in-memory NIC '" + name + "': " + field + " = " + value
                    + " is invalid, must be " + wanted);
            }
        }
    }
}
