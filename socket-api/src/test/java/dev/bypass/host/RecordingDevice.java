package dev.bypass.host;

import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.bypass.nic.decorator.DeviceDecorator;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.NetworkDevice;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A device that records what its stack transmits, as parsed IPv4 summaries (UDP ports, IGMP report records):
 * the wire of one resource, for assertions. Test code: it allocates a record per frame.
 */
final class RecordingDevice extends DeviceDecorator {
    /** One transmitted IPv4 packet: UDP (ports set) or IGMP (type, record type and group set). */
    record Sent(int source, int destination, int protocol, int ttl, int sourcePort, int destinationPort, int igmpType,
                int igmpRecord, int igmpGroup) {
        @Override
        public String toString() {
            String head = IpAddress.v4ToString(source) + " > " + IpAddress.v4ToString(destination) + " ttl " + ttl;
            return switch (protocol) {
                case 17 -> head + " udp " + sourcePort + " > " + destinationPort;
                case 2 -> head + " igmp 0x" + Integer.toHexString(igmpType) + " record " + igmpRecord + " "
                    + IpAddress.v4ToString(igmpGroup);
                default -> head + " proto " + protocol;
            };
        }
    }

    private final ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    private volatile boolean recording = true;

    RecordingDevice(NetworkDevice inner) {
        super(inner);
    }

    @Override
    public void transmit(int queue, Frame frame, long nowNs) {
        if (recording) {
            record(frame.buffer(), frame.offset(), frame.length());
        }
        super.transmit(queue, frame, nowNs);
    }

    private void record(UnsafeBuffer b, int off, int length) {
        if (length < 34 || (b.getShort(off + 12, BIG_ENDIAN) & 0xFFFF) != 0x0800) {
            return;
        }
        int ip = off + 14;
        int headerLength = (b.getByte(ip) & 0xF) * 4;
        int protocol = b.getByte(ip + 9) & 0xFF;
        int ttl = b.getByte(ip + 8) & 0xFF;
        int source = b.getInt(ip + 12, BIG_ENDIAN);
        int destination = b.getInt(ip + 16, BIG_ENDIAN);
        int l4 = ip + headerLength;
        int sp = 0;
        int dp = 0;
        int type = 0;
        int rec = 0;
        int group = 0;
        if (protocol == 17) {
            sp = b.getShort(l4, BIG_ENDIAN) & 0xFFFF;
            dp = b.getShort(l4 + 2, BIG_ENDIAN) & 0xFFFF;
        } else if (protocol == 2) {
            type = b.getByte(l4) & 0xFF;
            if (type == 0x22) {
                rec = b.getByte(l4 + 8) & 0xFF;
                group = b.getInt(l4 + 12, BIG_ENDIAN);
            } else {
                group = b.getInt(l4 + 4, BIG_ENDIAN);
            }
        }
        sent.add(new Sent(source, destination, protocol, ttl, sp, dp, type, rec, group));
    }

    /** Stops recording (a record is 72 bytes allocated on the poll thread: off for allocation tests). */
    void stop() {
        recording = false;
    }

    /** What was sent so far, oldest first. */
    List<Sent> sent() {
        return List.copyOf(sent);
    }

    /** UDP datagrams sent so far from {@code port}. */
    List<Sent> udpFrom(int port) {
        return sent.stream().filter(s -> s.protocol() == 17 && s.sourcePort() == port).toList();
    }

    /** IGMP messages sent so far about {@code group}. */
    List<Sent> igmp(int group) {
        return sent.stream().filter(s -> s.protocol() == 2 && s.igmpGroup() == group).toList();
    }
}
