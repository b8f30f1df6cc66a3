package dev.bypass.nic.tap;

import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.NetworkDevice;
import dev.bypass.stack.wire.ArpPacket;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.EthernetHeader;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;

/**
 * A hand-written host of one IPv4 address over any {@link NetworkDevice}: answers ARP requests for it and
 * ICMP echo requests to it, with frames built from the stack's wire views and real checksums. Enough for
 * a kernel to ping through a device, without the stack; it counts what it saw so a test can assert it.
 *
 * <p>Allocation-free per frame (flyweights and pool frames only), so a test can also measure a driver's
 * steady state through it. One thread, like the device.
 */
public final class PingResponder {
    private static final int BURST = 32;
    private static final int ECHO_FRAME_OVERHEAD = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;

    private final NetworkDevice device;
    private final int ourIp;
    private final long ourMac;
    private final Frame[] burst = new Frame[BURST];
    private final EthernetHeader rxEth = new EthernetHeader();
    private final EthernetHeader txEth = new EthernetHeader();
    private final ArpPacket rxArp = new ArpPacket();
    private final ArpPacket txArp = new ArpPacket();
    private final Ipv4Header rxIp = new Ipv4Header();
    private final Ipv4Header txIp = new Ipv4Header();
    private final IcmpHeader rxIcmp = new IcmpHeader();
    private final IcmpHeader txIcmp = new IcmpHeader();

    /** ARP requests for our address. */
    public long arpRequests;
    /** Ethernet source MAC of the last ARP request for our address. */
    public long lastArpRequester = -1;
    /** Sender MAC inside the last ARP request for our address. */
    public long lastArpSenderMac = -1;
    /** Echo requests to our address with good IPv4 and ICMP checksums. */
    public long echoRequests;
    /** Replies handed to the device (ARP and echo). */
    public long repliesQueued;
    /** Frames of ours (ARP for us, IPv4 to us) with a wrong checksum or a truncated header. */
    public long malformed;
    /** Any other frame (not for us, other protocols). */
    public long ignored;
    /** No pool frame for a reply. */
    public long noBuffer;
    /** Longest frame received, in bytes. */
    public int longestReceived;
    /** Longest frame queued for sending, in bytes. */
    public int longestSent;

    public PingResponder(NetworkDevice device, int ourIp) {
        this.device = device;
        this.ourIp = ourIp;
        this.ourMac = device.macAddress();
    }

    /** One duty cycle: a receive burst, a reply for each request, a flush. Returns the frames handled. */
    public int poll(long nowNs) {
        int n = device.receive(0, burst, BURST, nowNs);
        for (int i = 0; i < n; i++) {
            Frame request = burst[i];
            burst[i] = null;
            longestReceived = Math.max(longestReceived, request.length());
            handle(request, nowNs);
            request.release();
        }
        if (n > 0) {
            device.flush(0, nowNs);
        }
        return n;
    }

    private void handle(Frame frame, long nowNs) {
        int offset = frame.offset();
        int length = frame.length();
        if (length < EthernetHeader.LENGTH) {
            ignored++;
            return;
        }
        rxEth.wrap(frame.buffer(), offset);
        int type = rxEth.outerType();
        int l3 = offset + EthernetHeader.LENGTH;
        int l3Length = length - EthernetHeader.LENGTH;
        if (type == EthernetHeader.TYPE_ARP) {
            handleArp(frame, l3, l3Length, nowNs);
        } else if (type == EthernetHeader.TYPE_IPV4) {
            handleIpv4(frame, l3, l3Length, nowNs);
        } else {
            ignored++;
        }
    }

    private void handleArp(Frame frame, int at, int available, long nowNs) {
        if (available < ArpPacket.LENGTH) {
            malformed++;
            return;
        }
        rxArp.wrap(frame.buffer(), at);
        if (!rxArp.isEthernetIpv4() || rxArp.operation() != ArpPacket.OPERATION_REQUEST || rxArp.targetIp() != ourIp) {
            ignored++;
            return;
        }
        arpRequests++;
        lastArpRequester = rxEth.source();
        lastArpSenderMac = rxArp.senderMac();
        Frame reply = device.pool().allocate();
        if (reply == null) {
            noBuffer++;
            return;
        }
        txEth.wrap(reply.buffer(), reply.offset())
            .destination(rxArp.senderMac()).source(ourMac).type(EthernetHeader.TYPE_ARP);
        txArp.wrap(reply.buffer(), reply.offset() + EthernetHeader.LENGTH)
            .write(ArpPacket.OPERATION_REPLY, ourMac, ourIp, rxArp.senderMac(), rxArp.senderIp());
        send(reply, EthernetHeader.LENGTH + ArpPacket.LENGTH, nowNs);
    }

    private void handleIpv4(Frame frame, int at, int available, long nowNs) {
        if (available < Ipv4Header.MIN_LENGTH) {
            malformed++;
            return;
        }
        rxIp.wrap(frame.buffer(), at);
        int headerLength = rxIp.headerLength();
        int totalLength = rxIp.totalLength();
        if (rxIp.destination() != ourIp || rxIp.protocol() != Ipv4Header.PROTOCOL_ICMP) {
            ignored++;
            return;
        }
        if (rxIp.version() != 4 || headerLength < Ipv4Header.MIN_LENGTH || totalLength > available
            || totalLength < headerLength + IcmpHeader.LENGTH || !rxIp.checksumValid()) {
            malformed++;
            return;
        }
        int icmpAt = at + headerLength;
        int icmpLength = totalLength - headerLength;
        rxIcmp.wrap(frame.buffer(), icmpAt);
        if (!Checksum.isValid(Checksum.sum(frame.buffer(), icmpAt, icmpLength))) {
            malformed++;
            return;
        }
        if (rxIcmp.type() != IcmpHeader.TYPE_ECHO_REQUEST) {
            ignored++;
            return;
        }
        echoRequests++;
        Frame reply = device.pool().allocate();
        if (reply == null) {
            noBuffer++;
            return;
        }
        int out = reply.offset();
        txEth.wrap(reply.buffer(), out).destination(rxEth.source()).source(ourMac).type(EthernetHeader.TYPE_IPV4);
        txIp.wrap(reply.buffer(), out + EthernetHeader.LENGTH)
            .write(0, Ipv4Header.MIN_LENGTH + icmpLength, rxIp.identification(), 0, 64, Ipv4Header.PROTOCOL_ICMP,
                ourIp, rxIp.source(), false);
        // RFC 792: the reply carries the request's identifier, sequence and data; only the type changes.
        int replyIcmpAt = out + ECHO_FRAME_OVERHEAD;
        reply.buffer().putBytes(replyIcmpAt, frame.buffer(), icmpAt, icmpLength);
        txIcmp.wrap(reply.buffer(), replyIcmpAt).type(IcmpHeader.TYPE_ECHO_REPLY).code(0).updateChecksum(icmpLength);
        send(reply, ECHO_FRAME_OVERHEAD + icmpLength, nowNs);
    }

    private void send(Frame reply, int length, long nowNs) {
        reply.length(length);
        longestSent = Math.max(longestSent, length);
        repliesQueued++;
        device.transmit(0, reply, nowNs);
    }

    @Override
    public String toString() {
        return "PingResponder[arp=" + arpRequests
            + " (from " + MacAddress.toString(lastArpRequester & MacAddress.BROADCAST) + ") echo=" + echoRequests + " replies=" + repliesQueued + " malformed=" + malformed + " ignored="
            + ignored + " noBuffer=" + noBuffer + " longestRx=" + longestReceived + " longestTx=" + longestSent + "]";
    }
}
