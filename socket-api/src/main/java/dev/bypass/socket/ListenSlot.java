package dev.bypass.socket;

import dev.bypass.stack.TcpConfig;
import dev.bypass.stack.TcpListener;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * What application threads and poll threads share of one listening socket: the accept ring every resource's
 * poll thread feeds (message: the new connection's slot id) and the outcome of listening on each resource.
 */
final class ListenSlot extends PortSlot {
    static final int ACCEPT_MESSAGE = 1;

    final ManyToOneRingBuffer acceptRing;
    final int sendRingBytes;
    final int receiveRingBytes;
    final TcpConfig options;
    volatile BypassSelectionKey key;
    /** Per resource: its poll thread stopped taking connections because the accept ring was full. */
    final AtomicInteger stalledMask = new AtomicInteger();

    // ----------------------------------------------------- per resource, each written by its poll thread only
    final TcpListener[] listeners;
    final Handle[] handles;

    ListenSlot(int resources, int acceptRingEntries, int sendRingBytes, int receiveRingBytes, TcpConfig options) {
        // A record is 8 bytes of header and 4 of id, aligned to 8: 16 bytes.
        int bytes = Math.max(1024, Integer.highestOneBit(Math.max(acceptRingEntries * 16, 2) - 1) << 1);
        this.acceptRing = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(bytes + RingBufferDescriptor.TRAILER_LENGTH)));
        this.sendRingBytes = sendRingBytes;
        this.receiveRingBytes = receiveRingBytes;
        this.options = options;
        this.listeners = new TcpListener[resources];
        this.handles = new Handle[resources];
    }

    /** The listener handler of one resource (no lambda: the bridge and the slot are all it needs). */
    static final class Handle implements TcpListener.Handler {
        final ListenSlot slot;
        final SocketBridge bridge;
        boolean notifyQueued;

        Handle(ListenSlot slot, SocketBridge bridge) {
            this.slot = slot;
            this.bridge = bridge;
        }

        @Override
        public void onAcceptable(TcpListener listener) {
            bridge.acceptFrom(this);
        }
    }

    @Override
    public String toString() {
        return "server socket " + id + " on port " + port;
    }
}
