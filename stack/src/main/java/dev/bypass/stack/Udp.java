package dev.bypass.stack;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.wire.Checksum;
import dev.bypass.stack.wire.IcmpHeader;
import dev.bypass.stack.wire.Ipv4Header;
import dev.bypass.stack.wire.UdpHeader;
import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * UDP (RFC 768): checks length and checksum, hands datagrams to the socket bound to their port, answers
 * port unreachable when none is (not for broadcasts), and sends datagrams with their checksum (in
 * software, or left to the device when it offers UDP checksum offload).
 */
public final class Udp {
    private static final int MAX_PAYLOAD = 65535 - Ipv4Header.MIN_LENGTH - UdpHeader.LENGTH;

    private final NetworkStack stack;
    private final StackConfig config;
    private final UdpHeader header = new UdpHeader();
    private final Int2ObjectHashMap<UdpSocket> sockets;
    private final boolean offloadChecksum;
    private final UnsafeBuffer large = new UnsafeBuffer(ByteBuffer.allocateDirect(65536));
    private int nextEphemeral;
    private UdpSocket[] ready = new UdpSocket[16];
    private int readyCount;

    Udp(NetworkStack stack, StackConfig config, boolean offloadChecksum) {
        this.stack = stack;
        this.config = config;
        this.offloadChecksum = offloadChecksum;
        this.sockets = new Int2ObjectHashMap<>(Math.max(16, config.udpMaxSockets() * 2), 0.65f);
        this.nextEphemeral = config.tcp().ephemeralPortFirst();
    }

    // ------------------------------------------------------------------------------------------ input

    Counter input(Ipv4Packet p, long nowNs) {
        if (p.payloadLength < UdpHeader.LENGTH) {
            return Counter.UDP_DROP_BAD_LENGTH;
        }
        header.wrap(p.buffer, p.payloadOffset);
        int length = header.length();
        if (length < UdpHeader.LENGTH || length > p.payloadLength) {
            return Counter.UDP_DROP_BAD_LENGTH;
        }
        if (header.checksum() != 0 && (p.rxFlags & Frame.RX_L4_CHECKSUM_GOOD) == 0) {
            int sum = Checksum.add(Checksum.pseudoHeaderV4(p.source, p.destination, Ipv4Header.PROTOCOL_UDP, length),
                Checksum.sum(p.buffer, p.payloadOffset, length));
            if (!Checksum.isValid(sum)) {
                return Counter.UDP_DROP_BAD_CHECKSUM;
            }
        }
        UdpSocket socket = sockets.get(header.destinationPort());
        if (socket == null) {
            Counter fate = stack.passToKernel(p.reassembled);
            if (fate != null) {
                return fate;
            }
            if (!p.broadcast) {
                stack.icmp().sendUnreachable(IcmpHeader.CODE_PORT_UNREACHABLE, p, 0, nowNs);
            }
            return Counter.UDP_DROP_NO_PORT;
        }
        if (!socket.fits(length - UdpHeader.LENGTH)) {
            return Counter.UDP_DROP_TOO_LONG; // not the reader's fault: counted apart from a full queue
        }
        if (!socket.enqueue(p.source, header.sourcePort(), p.destination, p.buffer, p.payloadOffset + UdpHeader.LENGTH,
            length - UdpHeader.LENGTH)) {
            return Counter.UDP_DROP_QUEUE_FULL;
        }
        stack.counters().increment(Counter.UDP_IN_DATAGRAMS);
        if (socket.handlerOrNull() != null && socket.markReady()) {
            if (readyCount == ready.length) {
                ready = java.util.Arrays.copyOf(ready, ready.length * 2);
            }
            ready[readyCount++] = socket;
        }
        return null;
    }

    boolean hasPendingWork() {
        return readyCount > 0;
    }

    /** Tells handlers of sockets that received datagrams; returns how many. */
    int dispatchEvents() {
        int n = readyCount;
        for (int i = 0; i < n; i++) {
            UdpSocket s = ready[i];
            ready[i] = null;
            s.dispatch();
        }
        System.arraycopy(ready, n, ready, 0, readyCount - n);
        readyCount -= n;
        return n;
    }

    // ---------------------------------------------------------------------------------------- sockets

    /** Binds a socket to {@code port} (0 picks a free ephemeral port). */
    public UdpSocket open(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("UDP port out of range 0..65535: " + port);
        }
        if (sockets.size() >= config.udpMaxSockets()) {
            throw new IllegalStateException("UDP socket limit reached (" + config.udpMaxSockets()
                + " sockets, StackConfig.udpMaxSockets)");
        }
        if (port == 0) {
            port = freeEphemeralPort();
        } else if (sockets.containsKey(port)) {
            throw new IllegalStateException("UDP port " + port + " is already in use on " + IpAddress.v4ToString(config.address()));
        }
        UdpSocket socket = new UdpSocket(this, port, config.udpReceiveQueueBytes());
        sockets.put(port, socket);
        return socket;
    }

    private int freeEphemeralPort() {
        int first = config.tcp().ephemeralPortFirst();
        int span = config.tcp().ephemeralPortLast() - first + 1;
        for (int i = 0; i < span; i++) {
            int candidate = first + (nextEphemeral - first + i) % span;
            if (!sockets.containsKey(candidate)) {
                nextEphemeral = candidate + 1;
                return candidate;
            }
        }
        throw new IllegalStateException("no free UDP ephemeral port in " + first + ".." + (first + span - 1));
    }

    void unbind(UdpSocket socket) {
        sockets.remove(socket.port());
    }

    IpAddress stackAddress() {
        return IpAddress.ofV4(config.address());
    }

    Igmp igmp() {
        return stack.igmp();
    }

    int stackAddressBits() {
        return config.address();
    }

    boolean isLocalAddress(int a) {
        return config.isLocalAddress(a);
    }

    // ----------------------------------------------------------------------------------------- output

    boolean send(UdpSocket socket, int destination, int destinationPort, DirectBuffer data, int offset, int length) {
        return send(socket, config.address(), destination, destinationPort, data, offset, length);
    }

    /** As above, from {@code from}: one of the stack's addresses (a reply from the public address). */
    boolean send(UdpSocket socket, int from, int destination, int destinationPort, DirectBuffer data, int offset,
                 int length) {
        if (!config.isLocalAddress(from)) {
            throw new IllegalArgumentException("UDP source " + IpAddress.v4ToString(from) + " is not one of stack '"
                + config.name() + "''s addresses");
        }
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("UDP payload must be 0.." + MAX_PAYLOAD + " bytes, got " + length);
        }
        if (destinationPort <= 0 || destinationPort > 65535) {
            throw new IllegalArgumentException("UDP destination port out of range 1..65535: " + destinationPort);
        }
        long nowNs = stack.nowNs();
        int udpLength = UdpHeader.LENGTH + length;
        int source = from;
        int pseudo = Checksum.pseudoHeaderV4(source, destination, Ipv4Header.PROTOCOL_UDP, udpLength);
        boolean sent;
        if (udpLength + Ipv4Header.MIN_LENGTH <= stack.ipv4().mtu()) {
            Frame frame = stack.allocateTxFrame();
            if (frame == null) {
                return false;
            }
            int off = frame.offset();
            header.wrap(frame.buffer(), off).write(socket.port(), destinationPort, udpLength, 0);
            frame.buffer().putBytes(off + UdpHeader.LENGTH, data, offset, length);
            frame.length(udpLength);
            if (offloadChecksum) {
                header.checksum(pseudo);
                frame.txOffload(Frame.TX_UDP_CHECKSUM, 14, Ipv4Header.MIN_LENGTH, UdpHeader.LENGTH, 0);
            } else {
                header.checksum(finishChecksum(pseudo, frame.buffer(), off, udpLength));
            }
            sent = stack.ipv4().send(frame, source, destination, Ipv4Header.PROTOCOL_UDP, false, nowNs);
        } else {
            // Larger than one packet: build the datagram once, checksum it, and let IPv4 fragment it.
            header.wrap(large, 0).write(socket.port(), destinationPort, udpLength, 0);
            large.putBytes(UdpHeader.LENGTH, data, offset, length);
            header.checksum(finishChecksum(pseudo, large, 0, udpLength));
            sent = stack.ipv4().sendBuffer(large, 0, udpLength, source, destination, Ipv4Header.PROTOCOL_UDP, nowNs);
        }
        if (sent) {
            stack.counters().increment(Counter.UDP_OUT_DATAGRAMS);
        }
        return sent;
    }

    /** RFC 768: a computed checksum of zero is sent as all ones (zero means "none"). */
    private static int finishChecksum(int pseudo, DirectBuffer buffer, int offset, int length) {
        int value = Checksum.finish(Checksum.add(pseudo, Checksum.sum(buffer, offset, length)));
        return value == 0 ? 0xFFFF : value;
    }
}
