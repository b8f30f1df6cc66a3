package dev.bypass.stack.device;

/**
 * The Toeplitz hash that NICs use for receive-side scaling (Microsoft RSS specification), over an IPv4
 * 4-tuple or 2-tuple, so a software device spreads flows the way hardware does and the stack can predict
 * which queue a flow lands on.
 *
 * <p>Input bytes, in order: source address, destination address, source port, destination port, all
 * big-endian. With the default 40-byte key {@link #MICROSOFT_KEY} the results match the verification
 * suite of the specification. {@link #SYMMETRIC_KEY} (0x6d5a repeated) gives the same hash for both
 * directions of a flow, so both directions of a connection land on one queue.
 *
 * <p>The key is expanded once into a table of 32-bit windows per input byte position and value, so a
 * hash is 12 table lookups (a 4-tuple) and no allocation.
 */
public final class Toeplitz {
    /** The key of the RSS specification's verification suite (also many NICs' default). */
    public static final byte[] MICROSOFT_KEY = {
        0x6d, 0x5a, 0x56, (byte) 0xda, 0x25, 0x5b, 0x0e, (byte) 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, (byte) 0xa3,
        (byte) 0x8f, (byte) 0xb0, (byte) 0xd0, (byte) 0xca, 0x2b, (byte) 0xcb, (byte) 0xae, 0x7b, 0x30, (byte) 0xb4,
        0x77, (byte) 0xcb, 0x2d, (byte) 0xa3, (byte) 0x80, 0x30, (byte) 0xf2, 0x0c, 0x6a, 0x42, (byte) 0xb7, 0x3b,
        (byte) 0xbe, (byte) 0xac, 0x01, (byte) 0xfa};

    /** 0x6d5a repeated: a key under which a flow and its reverse hash alike (Woo and Park, 2012). */
    public static final byte[] SYMMETRIC_KEY = symmetricKey();

    private static final int INPUT_BYTES = 12;
    private final int[][] table = new int[INPUT_BYTES][256];

    public Toeplitz(byte[] key) {
        if (key.length < INPUT_BYTES + 4) {
            throw new IllegalArgumentException("Toeplitz key needs at least " + (INPUT_BYTES + 4) + " bytes, got " + key.length);
        }
        for (int pos = 0; pos < INPUT_BYTES; pos++) {
            for (int value = 0; value < 256; value++) {
                int h = 0;
                for (int bit = 0; bit < 8; bit++) {
                    if ((value & (0x80 >>> bit)) != 0) {
                        h ^= window(key, pos * 8 + bit);
                    }
                }
                table[pos][value] = h;
            }
        }
    }

    /** The 32 key bits starting at bit {@code bitIndex}. */
    private static int window(byte[] key, int bitIndex) {
        long bits = 0;
        int byteIndex = bitIndex / 8;
        for (int i = 0; i < 5; i++) {
            bits = (bits << 8) | (byteIndex + i < key.length ? key[byteIndex + i] & 0xFF : 0);
        }
        return (int) (bits >>> (8 - bitIndex % 8));
    }

    /** Hash of an IPv4 TCP/UDP flow as seen on receive. */
    public int hash(int sourceIp, int destinationIp, int sourcePort, int destinationPort) {
        int[][] t = table;
        return t[0][sourceIp >>> 24] ^ t[1][(sourceIp >>> 16) & 0xFF] ^ t[2][(sourceIp >>> 8) & 0xFF] ^ t[3][sourceIp & 0xFF]
            ^ t[4][destinationIp >>> 24] ^ t[5][(destinationIp >>> 16) & 0xFF] ^ t[6][(destinationIp >>> 8) & 0xFF]
            ^ t[7][destinationIp & 0xFF]
            ^ t[8][(sourcePort >>> 8) & 0xFF] ^ t[9][sourcePort & 0xFF]
            ^ t[10][(destinationPort >>> 8) & 0xFF] ^ t[11][destinationPort & 0xFF];
    }

    /** Hash of IPv4 addresses only (non-TCP/UDP traffic, fragments). */
    public int hash(int sourceIp, int destinationIp) {
        int[][] t = table;
        return t[0][sourceIp >>> 24] ^ t[1][(sourceIp >>> 16) & 0xFF] ^ t[2][(sourceIp >>> 8) & 0xFF] ^ t[3][sourceIp & 0xFF]
            ^ t[4][destinationIp >>> 24] ^ t[5][(destinationIp >>> 16) & 0xFF] ^ t[6][(destinationIp >>> 8) & 0xFF]
            ^ t[7][destinationIp & 0xFF];
    }

    /** Entries of the redirection table (RETA) modelled by {@link #queueOf}: 128, as ixgbe and many others. */
    public static final int RETA_SIZE = 128;

    /**
     * The queue a hash selects, as a NIC does: the low 7 bits index a 128-entry redirection table that
     * DPDK fills round-robin over the queues by default.
     */
    public static int queueOf(int hash, int queues) {
        return (hash & (RETA_SIZE - 1)) % queues;
    }

    private static byte[] symmetricKey() {
        byte[] key = new byte[40];
        for (int i = 0; i < key.length; i += 2) {
            key[i] = 0x6d;
            key[i + 1] = 0x5a;
        }
        return key;
    }
}
