package dev.bypass.stack;

import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * A UDP socket bound to a port of one stack. Received datagrams wait in a bounded receive queue (an
 * Agrona one-to-one ring over direct memory, so a later socket layer can let an application thread read
 * it directly); when it is full, new datagrams are dropped and counted.
 *
 * <p>All methods run on the stack's thread.
 */
public final class UdpSocket {
    /** Told when datagrams are waiting. Called on the stack's thread after input processing. */
    @FunctionalInterface
    public interface Handler {
        void onReadable(UdpSocket socket);
    }

    private static final int MESSAGE_TYPE = 1;
    /** Per-datagram header in the ring: source address (4), source port (4), destination address (4), pad (4). */
    private static final int META_LENGTH = 16;

    private final Udp udp;
    private final int port;
    private final OneToOneRingBuffer queue;
    private final Reader reader = new Reader();
    private Handler handler;
    private boolean closed;
    private boolean readyMarked;
    private int lastSource;
    private int lastSourcePort;
    private int lastDestination;

    UdpSocket(Udp udp, int port, int queueBytes) {
        this.udp = udp;
        this.port = port;
        int capacity = Integer.highestOneBit(Math.max(queueBytes, 1024) - 1) << 1;
        this.queue = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    public int port() {
        return port;
    }

    public Endpoint localEndpoint() {
        return new Endpoint(udp.stackAddress(), port);
    }

    public void handler(Handler handler) {
        this.handler = handler;
    }

    /** True if a datagram is waiting. */
    public boolean readable() {
        return queue.size() > 0;
    }

    /**
     * Takes the next datagram into {@code destination}: returns its length (data past {@code maxLength}
     * is cut, as recvfrom does), or -1 if none is waiting. The sender is in {@link #lastSource()}.
     */
    public int receive(MutableDirectBuffer destination, int offset, int maxLength) {
        checkOpen();
        reader.destination = destination;
        reader.offset = offset;
        reader.max = maxLength;
        reader.length = -1;
        if (queue.read(reader, 1) == 0 && queue.size() > 0) {
            // The ring wrapped: the first read met its padding record; the datagram is right behind it.
            queue.read(reader, 1);
        }
        reader.destination = null;
        return reader.length;
    }

    /** Sender of the datagram last returned by {@link #receive}. */
    public Endpoint lastSource() {
        return new Endpoint(IpAddress.ofV4(lastSource), lastSourcePort);
    }

    public int lastSourceAddress() {
        return lastSource;
    }

    public int lastSourcePort() {
        return lastSourcePort;
    }

    /**
     * The address the datagram last returned by {@link #receive} was sent to: the stack's own, the public
     * address it answers for, or a broadcast or multicast group address. A reply should come from the first two
     * ({@link #reply}).
     */
    public int lastDestinationAddress() {
        return lastDestination;
    }

    /**
     * Answers the datagram last returned by {@link #receive}: to its sender, from the address it was sent to
     * (so a client that sent to the public address hears back from it; an answer to a broadcast or a group's
     * datagram comes from the stack's own address). Returns false if it could not go out.
     */
    public boolean reply(DirectBuffer data, int offset, int length) {
        checkOpen();
        int from = udp.isLocalAddress(lastDestination) ? lastDestination : udp.stackAddressBits();
        return udp.send(this, from, lastSource, lastSourcePort, data, offset, length);
    }

    /** Sends {@code length} bytes to {@code destination}; returns false if it could not go out (no route, no buffer). */
    public boolean send(Endpoint destination, DirectBuffer data, int offset, int length) {
        checkOpen();
        return udp.send(this, destination.address().v4(), destination.port(), data, offset, length);
    }

    public boolean send(int destinationAddress, int destinationPort, DirectBuffer data, int offset, int length) {
        checkOpen();
        return udp.send(this, destinationAddress, destinationPort, data, offset, length);
    }

    /**
     * As {@link #send(int, int, DirectBuffer, int, int)}, from {@code sourceAddress}: one of the stack's
     * addresses (its own or the public address it answers for; IllegalArgumentException otherwise).
     */
    public boolean sendFrom(int sourceAddress, int destinationAddress, int destinationPort, DirectBuffer data, int offset,
                            int length) {
        checkOpen();
        return udp.send(this, sourceAddress, destinationAddress, destinationPort, data, offset, length);
    }

    /**
     * Joins a multicast group on this socket's stack (its resource): datagrams to the group on this socket's
     * port arrive here. Membership belongs to the stack, as on Linux an interface's does: every socket bound
     * to the port receives the group's datagrams.
     */
    public void joinGroup(int group) {
        checkOpen();
        udp.igmp().join(group);
    }

    /** Leaves a group joined with {@link #joinGroup}. */
    public void leaveGroup(int group) {
        udp.igmp().leave(group);
    }

    /** Unbinds the port and drops what is queued. */
    public void close() {
        if (!closed) {
            closed = true;
            udp.unbind(this);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("UDP socket on port " + port + " is closed");
        }
    }

    // --------------------------------------------------------------------- stack side

    /**
     * True if a datagram of {@code length} bytes can ever be queued: the ring takes messages of at most an
     * eighth of its capacity, however empty it is.
     */
    boolean fits(int length) {
        return length + META_LENGTH <= queue.maxMsgLength();
    }

    /** Queues a received datagram; false if the queue is full (or it does not {@link #fits fit} at all). */
    boolean enqueue(int source, int sourcePort, int destination, DirectBuffer data, int offset, int length) {
        if (!fits(length)) {
            return false;
        }
        int index = queue.tryClaim(MESSAGE_TYPE, length + META_LENGTH);
        if (index < 0) {
            return false;
        }
        MutableDirectBuffer b = queue.buffer();
        b.putInt(index, source);
        b.putInt(index + 4, sourcePort);
        b.putInt(index + 8, destination);
        b.putBytes(index + META_LENGTH, data, offset, length);
        queue.commit(index);
        return true;
    }

    Handler handlerOrNull() {
        return handler;
    }

    boolean markReady() {
        if (readyMarked) {
            return false;
        }
        readyMarked = true;
        return true;
    }

    void dispatch() {
        readyMarked = false;
        if (handler != null && !closed && readable()) {
            handler.onReadable(this);
        }
    }

    private final class Reader implements MessageHandler {
        MutableDirectBuffer destination;
        int offset;
        int max;
        int length;

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int len) {
            lastSource = buffer.getInt(index);
            lastSourcePort = buffer.getInt(index + 4);
            lastDestination = buffer.getInt(index + 8);
            int dataLength = len - META_LENGTH;
            int n = Math.min(dataLength, max);
            destination.putBytes(offset, buffer, index + META_LENGTH, n);
            length = n;
        }
    }
}
