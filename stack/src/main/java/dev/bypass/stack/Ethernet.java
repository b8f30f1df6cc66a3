package dev.bypass.stack;

import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.wire.EthernetHeader;

/**
 * Ethernet II: the first and last protocol of every frame.
 *
 * <p>Input checks the header once (length, up to two VLAN tags), keeps frames addressed to our MAC or
 * to broadcast, and hands ARP and IPv4 payloads up. Output prepends the header in the frame's headroom,
 * pads short frames to the 60-byte minimum and queues the frame on the device.
 */
final class Ethernet {
    private final NetworkStack stack;
    private final EthernetHeader header = new EthernetHeader();
    private final long mac;

    Ethernet(NetworkStack stack, long mac) {
        this.stack = stack;
        this.mac = mac;
    }

    long mac() {
        return mac;
    }

    /** Processes one received frame; returns the drop reason, or null if a protocol took it. */
    Counter input(Frame frame, long nowNs) {
        int offset = frame.offset();
        int length = frame.length();
        if (length < EthernetHeader.LENGTH) {
            return Counter.ETH_DROP_TOO_SHORT;
        }
        header.wrap(frame.buffer(), offset);
        int headerLength = header.headerLength(length);
        if (headerLength < 0) {
            return Counter.ETH_DROP_TOO_SHORT;
        }
        long destination = header.destination();
        // Ours, broadcast, or the Ethernet address of a group this stack joined (or all-hosts; IPv4 then decides
        // by the group address itself, as 23 bits of the group are all the MAC carries).
        if (destination != mac && destination != MacAddress.BROADCAST && !stack.igmp().acceptsMac(destination)) {
            if (MacAddress.isMulticast(destination)) {
                // Other multicast (IPv6 neighbour discovery, LLDP, ...): the kernel's if it has an exception path.
                Counter fate = stack.passToKernel(false);
                return fate != null ? fate : Counter.ETH_DROP_NOT_FOR_US;
            }
            return Counter.ETH_DROP_NOT_FOR_US;
        }
        return switch (header.payloadType(headerLength)) {
            case EthernetHeader.TYPE_IPV4 -> stack.ipv4().input(frame, offset + headerLength, length - headerLength, nowNs);
            case EthernetHeader.TYPE_ARP -> {
                stack.arpSeen(frame.buffer(), offset + headerLength, length - headerLength);
                stack.copyToKernel();
                yield stack.arp().input(frame.buffer(), offset + headerLength, length - headerLength, nowNs, true);
            }
            default -> {
                Counter fate = stack.passToKernel(false);
                yield fate != null ? fate : Counter.ETH_DROP_UNKNOWN_TYPE;
            }
        };
    }

    /**
     * Prepends the Ethernet header to a frame whose data window holds the payload and queues it on the
     * device, which owns it from here.
     */
    void send(Frame frame, long destination, int etherType) {
        int offset = frame.prepend(EthernetHeader.LENGTH);
        header.wrap(frame.buffer(), offset).destination(destination).source(mac).type(etherType);
        if (frame.length() < EthernetHeader.MIN_FRAME_LENGTH) {
            // Pad with zeros: a NIC would, but a capture or a software peer sees the frame as we make it.
            frame.buffer().setMemory(offset + frame.length(), EthernetHeader.MIN_FRAME_LENGTH - frame.length(), (byte) 0);
            frame.length(EthernetHeader.MIN_FRAME_LENGTH);
        }
        stack.transmit(frame);
    }
}
