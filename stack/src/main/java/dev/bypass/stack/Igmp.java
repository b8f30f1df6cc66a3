package dev.bypass.stack;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.time.TimerQueue;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.Ipv4Header;
import java.util.concurrent.ThreadLocalRandom;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * IGMP, the host side (RFC 3376 IGMPv3, with the IGMPv2 (RFC 2236) and IGMPv1 compatibility of section
 * 7): the multicast groups this stack (this resource) has joined, the reports that tell the routers and
 * snooping switches, and the answers to their queries. Membership is per resource: each resource's stack
 * joins on its own link.
 *
 * <ul>
 *   <li>{@link #join}: an unsolicited IGMPv3 report, CHANGE_TO_EXCLUDE_MODE with no sources ("all
 *       sources"), sent at once and once more (robustness 2) within the unsolicited report interval (1 s).
 *       {@link #leave}: the same with CHANGE_TO_INCLUDE_MODE and no sources.</li>
 *   <li>A query (type 0x11): answered after a random delay up to its maximum response time, with the
 *       current state (MODE_IS_EXCLUDE records) of every group asked about, in the version the querier
 *       speaks: a v2 query (8 bytes, max response non-zero) gets v2 reports (0x16) to each group, a v1 query
 *       (8 bytes, max response zero) v1 reports (0x12); other hosts' reports are ignored.</li>
 *   <li>Every report goes with TTL 1 and the IP Router Alert option (RFC 2113), v3 reports to 224.0.0.22.</li>
 * </ul>
 *
 * Groups are a small fixed table ({@value #MAX_GROUPS}); a join beyond it throws. Nothing is allocated per
 * packet.
 */
public final class Igmp implements TimerQueue.Owner {
    /** Groups one stack may join. */
    public static final int MAX_GROUPS = 64;
    static final int PROTOCOL = 2;
    static final int ALL_HOSTS = 0xE000_0001;          // 224.0.0.1
    static final int ALL_V3_ROUTERS = 0xE000_0016;     // 224.0.0.22
    static final int ALL_ROUTERS = 0xE000_0002;        // 224.0.0.2
    static final int TYPE_QUERY = 0x11;
    static final int TYPE_V1_REPORT = 0x12;
    static final int TYPE_V2_REPORT = 0x16;
    static final int TYPE_V2_LEAVE = 0x17;
    static final int TYPE_V3_REPORT = 0x22;
    static final int MODE_IS_EXCLUDE = 2;
    static final int CHANGE_TO_INCLUDE = 3;
    static final int CHANGE_TO_EXCLUDE = 4;
    /** The IPv4 header with the 4-byte Router Alert option. */
    private static final int IP_HEADER_WITH_ALERT = Ipv4Header.MIN_LENGTH + 4;
    private static final long UNSOLICITED_REPORT_INTERVAL_NS = 1_000_000_000L;

    private final NetworkStack stack;
    private final int timerHandle;
    private final int[] groups = new int[MAX_GROUPS];
    /** Per group: when its pending report (a repeat, or an answer to a query) is due, 0 if none. */
    private final long[] reportAtNs = new long[MAX_GROUPS];
    /** Per group: the record type of the pending report. */
    private final int[] reportRecord = new int[MAX_GROUPS];
    private int count;
    /** The version the last querier spoke (3, 2 or 1): the version of our answers. */
    private int querierVersion = 3;

    Igmp(NetworkStack stack, int timerHandle) {
        this.stack = stack;
        this.timerHandle = timerHandle;
    }

    /** True if this stack has joined {@code group}. */
    public boolean joined(int group) {
        return indexOf(group) >= 0;
    }

    /** Groups joined now. */
    public int groupCount() {
        return count;
    }

    /** Joins a multicast group (224.0.0.0/4, not 224.0.0.x): reports it, and accepts its datagrams from now on. */
    public void join(int group) {
        if (!isJoinable(group)) {
            throw new IllegalArgumentException(IpAddress.v4ToString(group) + " is not a multicast group that can be "
                + "joined (224.0.1.0 to 239.255.255.255; 224.0.0.x is link-local and always on)");
        }
        if (indexOf(group) >= 0) {
            return;
        }
        if (count == MAX_GROUPS) {
            throw new IllegalStateException("stack '" + stack.config().name() + "' has joined " + MAX_GROUPS
                + " groups, the most it takes (Igmp.MAX_GROUPS)");
        }
        int i = count++;
        groups[i] = group;
        report(group, CHANGE_TO_EXCLUDE);
        scheduleRepeat(i, CHANGE_TO_EXCLUDE);
        stack.counters().increment(Counter.IGMP_JOINS);
    }

    /** Leaves a group: reports it (v3: CHANGE_TO_INCLUDE, no sources; v2: a leave to 224.0.0.2). */
    public void leave(int group) {
        int i = indexOf(group);
        if (i < 0) {
            return;
        }
        if (querierVersion == 2) {
            sendV1V2(TYPE_V2_LEAVE, ALL_ROUTERS, group);
        } else if (querierVersion == 3) {
            sendV3(group, CHANGE_TO_INCLUDE);
        }
        count--;
        groups[i] = groups[count];
        reportAtNs[i] = reportAtNs[count];
        reportRecord[i] = reportRecord[count];
        reportAtNs[count] = 0;
        stack.counters().increment(Counter.IGMP_LEAVES);
        reschedule();
    }

    static boolean isMulticast(int a) {
        return (a >>> 28) == 0xE;
    }

    private static boolean isJoinable(int a) {
        return isMulticast(a) && (a & 0xFFFF_FF00) != 0xE000_0000;
    }

    /** True if a datagram to {@code destination} (a multicast address) is for this stack. */
    boolean accepts(int destination) {
        return destination == ALL_HOSTS || indexOf(destination) >= 0;
    }

    /** The Ethernet address of a group (RFC 1112 section 6.4): 01:00:5e and its low 23 bits. */
    static long macOf(int group) {
        return 0x0100_5E00_0000L | (group & 0x7F_FFFF);
    }

    /** True if an Ethernet destination is the address of a group this stack accepts. */
    boolean acceptsMac(long mac) {
        if ((mac & 0xFFFF_FF80_0000L) != 0x0100_5E00_0000L) {
            return false;
        }
        if (mac == macOf(ALL_HOSTS)) {
            return true;
        }
        for (int i = 0; i < count; i++) {
            if (macOf(groups[i]) == mac) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------ input

    Counter input(Ipv4Packet p, long nowNs) {
        int length = p.payloadLength;
        if (length < 8) {
            return Counter.IGMP_DROP_MALFORMED;
        }
        MutableDirectBuffer b = p.buffer;
        int off = p.payloadOffset;
        if (!Checksum.isValid(Checksum.sum(b, off, length))) {
            return Counter.IGMP_DROP_BAD_CHECKSUM;
        }
        int type = b.getByte(off) & 0xFF;
        if (type != TYPE_QUERY) {
            return null; // other hosts' reports: a host ignores them (RFC 3376 section 5.2)
        }
        stack.counters().increment(Counter.IGMP_QUERIES);
        int maxResponse = b.getByte(off + 1) & 0xFF;
        int group = b.getInt(off + 4, BIG_ENDIAN);
        long maxDelayNs;
        if (length == 8) {
            querierVersion = maxResponse == 0 ? 1 : 2;
            maxDelayNs = (maxResponse == 0 ? 100 : maxResponse) * 100_000_000L; // tenths of a second; v1: 10 s
        } else if (length >= 12) {
            querierVersion = 3;
            maxDelayNs = code(maxResponse) * 100_000_000L;
        } else {
            return Counter.IGMP_DROP_MALFORMED;
        }
        for (int i = 0; i < count; i++) {
            if (group == 0 || group == groups[i]) {
                long at = nowNs + 1 + ThreadLocalRandom.current().nextLong(Math.max(1, maxDelayNs));
                if (reportAtNs[i] == 0 || reportAtNs[i] - at > 0) {
                    reportAtNs[i] = at;
                    reportRecord[i] = MODE_IS_EXCLUDE;
                }
            }
        }
        reschedule();
        return null;
    }

    /** RFC 3376 4.1.1: the max response code, with its floating-point form above 127. */
    private static int code(int c) {
        if (c < 128) {
            return c;
        }
        int mant = c & 0xF;
        int exp = (c >> 4) & 0x7;
        return (mant | 0x10) << (exp + 3);
    }

    // ------------------------------------------------------------------------------------------ timers

    @Override
    public void onTimer(int handle, long nowNs) {
        for (int i = 0; i < count; i++) {
            if (reportAtNs[i] != 0 && nowNs - reportAtNs[i] >= 0) {
                reportAtNs[i] = 0;
                report(groups[i], reportRecord[i]);
            }
        }
        reschedule();
    }

    private void scheduleRepeat(int i, int record) {
        reportAtNs[i] = stack.nowNs() + 1 + ThreadLocalRandom.current().nextLong(UNSOLICITED_REPORT_INTERVAL_NS);
        reportRecord[i] = record;
        reschedule();
    }

    private void reschedule() {
        long next = 0;
        for (int i = 0; i < count; i++) {
            if (reportAtNs[i] != 0 && (next == 0 || reportAtNs[i] - next < 0)) {
                next = reportAtNs[i];
            }
        }
        if (next == 0) {
            stack.timers().cancel(timerHandle);
        } else {
            stack.timers().schedule(timerHandle, next);
        }
    }

    // ------------------------------------------------------------------------------------------ output

    private void report(int group, int record) {
        switch (querierVersion) {
            case 1 -> sendV1V2(TYPE_V1_REPORT, group, group);
            case 2 -> sendV1V2(TYPE_V2_REPORT, group, group);
            default -> sendV3(group, record);
        }
    }

    /** An IGMPv3 report with one group record and no sources, to 224.0.0.22. */
    private void sendV3(int group, int record) {
        Frame frame = stack.allocateTxFrame();
        if (frame == null) {
            return;
        }
        MutableDirectBuffer b = frame.buffer();
        int igmp = frame.offset() + EthernetHeader.LENGTH + IP_HEADER_WITH_ALERT;
        int length = 8 + 8;
        b.putByte(igmp, (byte) TYPE_V3_REPORT);
        b.putByte(igmp + 1, (byte) 0);
        b.putShort(igmp + 2, (short) 0, BIG_ENDIAN);
        b.putShort(igmp + 4, (short) 0, BIG_ENDIAN);
        b.putShort(igmp + 6, (short) 1, BIG_ENDIAN); // one group record
        b.putByte(igmp + 8, (byte) record);
        b.putByte(igmp + 9, (byte) 0);                // aux data length
        b.putShort(igmp + 10, (short) 0, BIG_ENDIAN); // no sources
        b.putInt(igmp + 12, group, BIG_ENDIAN);
        b.putShort(igmp + 2, (short) Checksum.finish(Checksum.sum(b, igmp, length)), BIG_ENDIAN);
        send(frame, ALL_V3_ROUTERS, length);
    }

    /** An IGMPv1/v2 report or leave (8 bytes) for {@code group}, to {@code destination}. */
    private void sendV1V2(int type, int destination, int group) {
        Frame frame = stack.allocateTxFrame();
        if (frame == null) {
            return;
        }
        MutableDirectBuffer b = frame.buffer();
        int igmp = frame.offset() + EthernetHeader.LENGTH + IP_HEADER_WITH_ALERT;
        b.putByte(igmp, (byte) type);
        b.putByte(igmp + 1, (byte) 0);
        b.putShort(igmp + 2, (short) 0, BIG_ENDIAN);
        b.putInt(igmp + 4, group, BIG_ENDIAN);
        b.putShort(igmp + 2, (short) Checksum.finish(Checksum.sum(b, igmp, 8)), BIG_ENDIAN);
        send(frame, destination, 8);
    }

    /** Writes the IPv4 header (TTL 1, Router Alert) in front of the IGMP message and sends the frame. */
    private void send(Frame frame, int destination, int igmpLength) {
        MutableDirectBuffer b = frame.buffer();
        int ip = frame.offset() + EthernetHeader.LENGTH;
        int total = IP_HEADER_WITH_ALERT + igmpLength;
        b.putByte(ip, (byte) 0x46);                               // version 4, 6 words
        b.putByte(ip + 1, (byte) 0xC0);                           // DSCP CS6 (network control), as Linux sends
        b.putShort(ip + 2, (short) total, BIG_ENDIAN);
        b.putShort(ip + 4, (short) 0, BIG_ENDIAN);
        b.putShort(ip + 6, (short) Ipv4Header.FLAG_DONT_FRAGMENT, BIG_ENDIAN);
        b.putByte(ip + 8, (byte) 1);                              // TTL 1: link-local
        b.putByte(ip + 9, (byte) PROTOCOL);
        b.putShort(ip + 10, (short) 0, BIG_ENDIAN);
        b.putInt(ip + 12, stack.config().address(), BIG_ENDIAN);
        b.putInt(ip + 16, destination, BIG_ENDIAN);
        b.putInt(ip + 20, 0x9404_0000, BIG_ENDIAN);               // Router Alert (RFC 2113): 94 04 00 00
        b.putShort(ip + 10, (short) Checksum.finish(Checksum.sum(b, ip, IP_HEADER_WITH_ALERT)), BIG_ENDIAN);
        frame.set(ip, total);
        stack.counters().increment(Counter.IGMP_REPORTS);
        stack.ethernet().send(frame, macOf(destination), EthernetHeader.TYPE_IPV4);
    }

    private int indexOf(int group) {
        for (int i = 0; i < count; i++) {
            if (groups[i] == group) {
                return i;
            }
        }
        return -1;
    }
}
