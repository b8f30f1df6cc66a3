package dev.bypass.socket;

import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.net.BindException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A UDP socket, shaped like {@link java.nio.channels.DatagramChannel}: bind a port (on every resource of the
 * set), {@link #send} and {@link #receive}, blocking or not. Datagrams go through a message ring each way: the
 * send ring (this socket's writer to the first resource's poll thread, which sends them) and the receive ring
 * (every resource's poll thread to the reader). A full send ring makes a blocking send wait and a
 * non-blocking one return 0; a full receive ring drops what arrives, as a full kernel socket buffer does
 * ({@link #receiveRingDrops()} counts them).
 *
 * <p>Threads: one sending thread and one receiving thread at a time; close from any thread. Multicast (IGMP
 * join and leave) is not here yet.
 */
public final class BypassDatagramChannel implements java.nio.channels.Channel {
    /** Default size of each ring. */
    public static final int DEFAULT_RING_BYTES = 256 * 1024;
    private static final int SENDING_RESOURCE = 0;

    private final BypassSockets sockets;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Receiver receiver = new Receiver();
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(65536));
    private volatile DatagramSlot slot;
    private volatile boolean blocking = true;

    BypassDatagramChannel(BypassSockets sockets) {
        this.sockets = sockets;
    }

    public BypassDatagramChannel configureBlocking(boolean block) {
        blocking = block;
        return this;
    }

    /** Binds {@code port} (0: a free one) on every resource; BindException if it is in use on any. */
    public BypassDatagramChannel bind(int port) throws IOException {
        if (closed.get()) {
            throw SocketErrors.closed("bind on a closed UDP socket (port " + port + ")");
        }
        DatagramSlot bound = slot;
        if (bound != null) {
            throw SocketErrors.alreadyBound("UDP socket is already bound to port " + bound.port);
        }
        int n = sockets.resources.size();
        DatagramSlot d = new DatagramSlot(n, DEFAULT_RING_BYTES, DEFAULT_RING_BYTES);
        d.id = sockets.datagrams.add(d);
        String refused = d.bindOnEveryResource(sockets, Commands.UDP_BIND, Commands.UDP_CLOSE, port, 0);
        if (refused != null) {
            sockets.datagrams.remove(d.id, d);
            throw new BindException("UDP port " + (d.port != 0 ? d.port : port) + " is in use: " + refused);
        }
        slot = d;
        return this;
    }

    public int localPort() {
        DatagramSlot d = slot;
        return d == null ? -1 : d.port;
    }

    /**
     * Sends the remaining bytes of {@code source} as one datagram to {@code target}: returns their number, or 0
     * if the send ring is full (non-blocking; blocking waits for room).
     */
    public int send(ByteBuffer source, Endpoint target) throws IOException {
        DatagramSlot d = open("send");
        int length = source.remaining();
        if (length > 65_507) {
            throw new IllegalArgumentException("UDP payload must be 0..65507 bytes, got " + length);
        }
        scratch.putInt(0, target.address().v4());
        scratch.putInt(4, target.port());
        scratch.putBytes(DatagramSlot.META, source, source.position(), length);
        while (!d.send.write(DatagramSlot.MESSAGE, scratch, 0, length + DatagramSlot.META)) {
            if (!blocking) {
                return 0;
            }
            d.writeWaiter = Thread.currentThread();
            try {
                if (d.send.size() > 0 && !closed.get()) {
                    ringDoorbell(d);
                    LockSupport.parkNanos(this, 1_000_000L);
                    checkInterrupt();
                }
            } finally {
                d.writeWaiter = null;
            }
            open("send");
        }
        source.position(source.position() + length);
        ringDoorbell(d);
        return length;
    }

    private void ringDoorbell(DatagramSlot d) {
        if (d.doorbell.getAndSet(1) == 0) {
            sockets.command(SENDING_RESOURCE, Commands.UDP_DOORBELL, d.id, 0, 0, 0, 0);
        }
    }

    /**
     * Receives one datagram into {@code destination} (cut to its room, as java.nio does) and returns its source,
     * or null if none waits (non-blocking; blocking waits for one).
     */
    public Endpoint receive(ByteBuffer destination) throws IOException {
        DatagramSlot d = open("receive");
        while (true) {
            receiver.destination = destination;
            receiver.source = null;
            d.receive.read(receiver, 1);
            receiver.destination = null;
            if (receiver.source != null) {
                return receiver.source;
            }
            if (!blocking) {
                return null;
            }
            d.readWaiter = Thread.currentThread();
            try {
                VarHandle.fullFence();
                while (d.receive.size() == 0 && !closed.get()) {
                    LockSupport.park(this);
                    checkInterrupt();
                }
            } finally {
                d.readWaiter = null;
            }
            if (closed.get()) {
                throw SocketErrors.asyncClosed("UDP socket on port " + d.port + " closed by another thread during a receive");
            }
        }
    }

    /** Datagrams dropped because the receive ring was full. */
    public long receiveRingDrops() {
        DatagramSlot d = slot;
        return d == null ? 0 : d.receiveRingDrops.get();
    }

    private DatagramSlot open(String call) {
        DatagramSlot d = slot;
        if (closed.get()) {
            throw new IllegalStateException(call + " on a closed UDP socket" + (d != null ? " (port " + d.port + ")" : ""));
        }
        if (d == null) {
            throw SocketErrors.notBound(call + " on a UDP socket that is not bound: call bind(port) first");
        }
        return d;
    }

    private void checkInterrupt() throws IOException {
        if (Thread.interrupted()) {
            close();
            Thread.currentThread().interrupt();
            throw new ClosedByInterruptException();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    /** Unbinds on every resource; a blocked receive gets an AsynchronousCloseException. Any thread. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        DatagramSlot d = slot;
        if (d == null) {
            return;
        }
        Thread r = d.readWaiter;
        if (r != null) {
            LockSupport.unpark(r);
        }
        d.askEveryResource(sockets, Commands.UDP_CLOSE);
        sockets.datagrams.remove(d.id, d);
    }

    private static final class Receiver implements MessageHandler {
        ByteBuffer destination;
        Endpoint source;

        @Override
        public void onMessage(int type, MutableDirectBuffer buffer, int offset, int length) {
            int n = Math.min(length - DatagramSlot.META, destination.remaining());
            buffer.getBytes(offset + DatagramSlot.META, destination, destination.position(), n);
            destination.position(destination.position() + n);
            source = new Endpoint(IpAddress.ofV4(buffer.getInt(offset)), buffer.getInt(offset + 4));
        }
    }
}
