package dev.bypass.stack.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Real frames for the wire view tests, captured with tcpdump on a veth pair between two network
 * namespaces (02:00:00:00:00:0a 198.18.0.1 and 02:00:00:00:00:0b 198.18.0.2, Linux kernel traffic,
 * checksum offload turned off with {@code ethtool -K tx off} so checksums are on the wire), and decoded
 * with tshark to check the values the tests expect. The veth did not pad, so short frames are under 60
 * bytes. Hand-made fixtures say so where they are defined.
 */
public final class WireFixtures {
    static final long MAC_A = 0x02_00_00_00_00_0AL;
    static final long MAC_B = 0x02_00_00_00_00_0BL;
    /** 198.18.0.1 */
    static final int IP_A = 0xC6_12_00_01;
    /** 198.18.0.2 */
    static final int IP_B = 0xC6_12_00_02;

    /** Frame 2: "Who has 198.18.0.2? Tell 198.18.0.1", 42 bytes. */
    static final byte[] ARP_REQUEST = hex(
        "ffffffffffff02000000000a0806"
        + "0001 0800 06 04 0001 02000000000a c6120001 000000000000 c6120002");

    /** Frame 3: "198.18.0.2 is at 02:00:00:00:00:0b", 42 bytes. */
    static final byte[] ARP_REPLY = hex(
        "02000000000a02000000000b0806"
        + "0001 0800 06 04 0002 02000000000b c6120002 02000000000a c6120001");

    /** Frame 4: ICMP echo request 198.18.0.1 -> .2, id 0x4e10 seq 1, 24 bytes of data (ping -p ... -s 24). */
    public static final byte[] ECHO_REQUEST = hex(
        "02000000000b02000000000a0800"
        + "4500 0034 195c 4000 4001 9545 c6120001 c6120002"
        + "0800 31a2 4e10 0001"
        + "6fb9036b00000000 b329000000000000 732d70696e670000");

    /** Frame 5: the kernel's echo reply to {@link #ECHO_REQUEST}. */
    public static final byte[] ECHO_REPLY = hex(
        "02000000000a02000000000b0800"
        + "4500 0034 2a5b 0000 4001 c446 c6120002 c6120001"
        + "0000 39a2 4e10 0001"
        + "6fb9036b00000000 b329000000000000 732d70696e670000");

    /** Frame 6: UDP 44379 -> 9999, "hello bypass" (bash /dev/udp). */
    public static final byte[] UDP_HELLO = hex(
        "02000000000b02000000000a0800"
        + "4500 0028 8dc6 4000 4011 20d7 c6120001 c6120002"
        + "ad5b 270f 0014 14f3"
        + "68656c6c6f20627970617373");

    /** Frame 7: the kernel's port unreachable about {@link #UDP_HELLO}: TOS 0xc0, quotes the whole datagram. */
    public static final byte[] PORT_UNREACHABLE = hex(
        "02000000000a02000000000b0800"
        + "45c0 0044 2a5c 0000 4001 c375 c6120002 c6120001"
        + "0303 894a 00000000"
        + "4500 0028 8dc6 4000 4011 20d7 c6120001 c6120002"
        + "ad5b 270f 0014 14f3"
        + "68656c6c6f20627970617373");

    /** Frame 8: TCP SYN 59528 -> 8080: MSS 1460, SACK_PERM, TSval 3139880541, NOP, WS 10 (Linux order). */
    static final byte[] TCP_SYN = hex(
        "02000000000b02000000000a0800"
        + "4500 003c 93ef 4000 4006 1aa5 c6120001 c6120002"
        + "e888 1f90 a7408c91 00000000 a002 faf0 0375 0000"
        + "020405b4 0402080abb26c65d00000000 0103030a");

    /** Frame 11: TCP PSH|ACK with "GET": NOP NOP TS, window 63. */
    static final byte[] TCP_DATA = hex(
        "02000000000b02000000000a0800"
        + "4500 0037 93f1 4000 4006 1aa8 c6120001 c6120002"
        + "e888 1f90 a7408c92 2101afbf 8018 003f 8ff4 0000"
        + "0101080abb26c65dbabf7620"
        + "474554");

    /** Second fragment of a 1608-byte echo request (ping -s 1600): offset 1480, no MF, id 0x1db0. */
    static final byte[] FRAGMENT_HEADER = hex("4500 0094 1db0 00b9 4001 cfd8 c6120001 c6120002");

    /**
     * Echo request with the record-route option (ping -R -s 8): IHL 15, a NOP, then the 39-byte option with
     * the sender's address recorded.
     */
    public static final byte[] RECORD_ROUTE_ECHO = hex(
        "02000000000b02000000000a0800"
        + "4f00 004c 2028 4000 4001 963e c6120001 c6120002"
        + "01 07 27 08 c6120001" + "00".repeat(32)
        + "0800 9cd7 4f17 0001 0001020304050607");

    private WireFixtures() {
    }

    /** Hex digits to bytes; spaces are ignored. */
    static byte[] hex(String s) {
        String digits = s.replace(" ", "");
        if ((digits.length() & 1) != 0) {
            throw new IllegalArgumentException("odd number of hex digits: " + digits.length());
        }
        byte[] b = new byte[digits.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static byte[] slice(byte[] b, int from, int to) {
        return Arrays.copyOfRange(b, from, to);
    }

    static byte[] slice(byte[] b, int from) {
        return Arrays.copyOfRange(b, from, b.length);
    }

    /** An off-heap buffer of {@code length} bytes filled with 0xA5, so bytes a writer forgets show up. */
    static UnsafeBuffer prefilled(int length) {
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(length));
        b.setMemory(0, length, (byte) 0xA5);
        return b;
    }

    /** An off-heap copy of {@code bytes} at {@code offset} (0xA5 before and after). */
    static UnsafeBuffer offHeap(byte[] bytes, int offset) {
        UnsafeBuffer b = prefilled(offset + bytes.length + 16);
        b.putBytes(offset, bytes);
        return b;
    }

    /** Sum of a TCP or UDP packet from {@link #IP_A} to {@link #IP_B} with its pseudo-header: valid if all ones. */
    static int transportSum(int protocol, UnsafeBuffer b, int offset, int length) {
        return Checksum.add(Checksum.pseudoHeaderV4(IP_A, IP_B, protocol, length), Checksum.sum(b, offset, length));
    }

    static byte[] bytes(UnsafeBuffer b, int offset, int length) {
        byte[] out = new byte[length];
        b.getBytes(offset, out);
        return out;
    }
}
