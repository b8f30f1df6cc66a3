package dev.bypass.nic.tap;

import dev.bypass.stack.addr.MacAddress;

/**
 * How to open a {@link TapDevice}: an immutable value, built from {@link #named} and the {@code with*}
 * methods.
 *
 * <pre>{@code
 * TapDevice tap = TapDevice.open(TapConfig.named("bp0").withMtu(9000).withPoolFrames(4096));
 * }</pre>
 *
 * @param name interface name, 1 to 15 bytes; may hold one {@code %d} for the kernel to number
 *     ({@code "bp%d"} becomes {@code bp0}, {@code bp1}, ...)
 * @param macAddress the MAC our side of the wire uses (48-bit long, see {@link MacAddress}), or
 *     {@link #DERIVED_MAC} for a locally administered one derived from the process id and interface name
 * @param mtu largest IP packet in bytes; also set on the kernel's side of the TAP when it opens
 * @param poolFrames frames in the device's pool, shared by receive and transmit
 * @param txQueueFrames frames {@link TapDevice#transmit} queues before {@link TapDevice#flush}; more are dropped
 * @param attachExisting attach to an interface of that name if one exists (a persistent TAP made with
 *     {@code ip tuntap add mode tap}, the way to run without root); false fails with EBUSY instead, so
 *     the driver never takes over an interface it did not create
 * @param cloneDevicePath the TUN/TAP clone device, {@code /dev/net/tun}
 */
public record TapConfig(String name, long macAddress, int mtu, int poolFrames, int txQueueFrames,
                        boolean attachExisting, String cloneDevicePath) {
    /** {@link #macAddress} value asking for a MAC derived from the process id and interface name. */
    public static final long DERIVED_MAC = -1;
    public static final int DEFAULT_MTU = 1500;
    public static final int DEFAULT_POOL_FRAMES = 1024;
    public static final int DEFAULT_TX_QUEUE_FRAMES = 256;
    public static final String DEFAULT_CLONE_DEVICE = "/dev/net/tun";
    /** ETH_MIN_MTU: the smallest MTU an IPv4 link may have (RFC 791: 68 bytes). */
    public static final int MIN_MTU = 68;
    /** The largest MTU the kernel's TAP driver accepts. */
    public static final int MAX_MTU = 65535;

    public TapConfig {
        requireValidName(name);
        if (macAddress != DERIVED_MAC) {
            new MacAddress(macAddress); // validates the 48 bits
            if (MacAddress.isMulticast(macAddress)) {
                throw new IllegalArgumentException("TAP '" + name + "': MAC " + MacAddress.toString(macAddress)
                    + " is a group address; a device needs a unicast MAC");
            }
        }
        if (mtu < MIN_MTU || mtu > MAX_MTU) {
            throw new IllegalArgumentException("TAP '" + name + "': MTU " + mtu + " outside [" + MIN_MTU + ", "
                + MAX_MTU + "]");
        }
        if (poolFrames < 1 || txQueueFrames < 1) {
            throw new IllegalArgumentException("TAP '" + name + "': pool frames (" + poolFrames
                + ") and transmit queue frames (" + txQueueFrames + ") must be at least 1");
        }
    }

    /** Defaults: derived MAC, MTU 1500, 1024 pool frames, 256-frame transmit queue, a new interface only. */
    public static TapConfig named(String name) {
        return new TapConfig(name, DERIVED_MAC, DEFAULT_MTU, DEFAULT_POOL_FRAMES, DEFAULT_TX_QUEUE_FRAMES, false,
            DEFAULT_CLONE_DEVICE);
    }

    public TapConfig withMacAddress(long mac) {
        return new TapConfig(name, mac, mtu, poolFrames, txQueueFrames, attachExisting, cloneDevicePath);
    }

    public TapConfig withMtu(int bytes) {
        return new TapConfig(name, macAddress, bytes, poolFrames, txQueueFrames, attachExisting, cloneDevicePath);
    }

    public TapConfig withPoolFrames(int frames) {
        return new TapConfig(name, macAddress, mtu, frames, txQueueFrames, attachExisting, cloneDevicePath);
    }

    public TapConfig withTxQueueFrames(int frames) {
        return new TapConfig(name, macAddress, mtu, poolFrames, frames, attachExisting, cloneDevicePath);
    }

    public TapConfig withAttachExisting(boolean attach) {
        return new TapConfig(name, macAddress, mtu, poolFrames, txQueueFrames, attach, cloneDevicePath);
    }

    public TapConfig withCloneDevicePath(String path) {
        return new TapConfig(name, macAddress, mtu, poolFrames, txQueueFrames, attachExisting, path);
    }

    /**
     * The MAC of an opened device: the configured one, or for {@link #DERIVED_MAC} a locally administered
     * unicast MAC (02:xx:xx:xx:xx:xx) mixed from the process id and the interface's actual name, so two
     * processes, or two TAPs of one process, do not share one.
     */
    long resolveMac(String actualName) {
        if (macAddress != DERIVED_MAC) {
            return macAddress;
        }
        long h = ProcessHandle.current().pid() * 0x9E37_79B9_7F4A_7C15L ^ actualName.hashCode();
        h ^= h >>> 29;
        h *= 0xBF58_476D_1CE4_E5B9L;
        h ^= h >>> 32;
        return MacAddress.local(h).bits();
    }

    /**
     * The kernel's rule for interface names (dev_valid_name): 1 to 15 bytes, not "." or "..", no '/',
     * ':' or whitespace. Checked here so a bad name fails with the rule, not with a bare EINVAL.
     */
    static void requireValidName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("TAP interface name is empty");
        }
        String why = null;
        if (name.length() >= Libc.IFNAMSIZ) {
            why = "longer than " + (Libc.IFNAMSIZ - 1) + " bytes (IFNAMSIZ)";
        } else if (name.equals(".") || name.equals("..")) {
            why = "reserved";
        } else {
            for (int i = 0; i < name.length() && why == null; i++) {
                char c = name.charAt(i);
                if (c <= ' ' || c >= 0x7F) {
                    why = "contains whitespace, a control or a non-ASCII character at index " + i;
                } else if (c == '/' || c == ':') {
                    why = "contains '" + c + "'";
                }
            }
        }
        if (why != null) {
            throw new IllegalArgumentException("bad TAP interface name '" + name + "': " + why);
        }
    }
}
