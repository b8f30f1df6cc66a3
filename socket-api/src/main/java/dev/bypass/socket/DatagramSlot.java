package dev.bypass.socket;

import dev.bypass.stack.UdpSocket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * What application threads and poll threads share of one UDP socket. Send: one ring per resource (one-to-one,
 * the sending thread to that resource's poll thread), made on the first send through the resource; each
 * record: destination address (4), destination port (4), source address (4; 0: the resource's own), pad (4),
 * then the datagram. Receive: one ring every resource's poll thread writes into (many-to-one); each record:
 * source address (4), source port (4), resource (4), destination address (4: the private or public address,
 * a group, a broadcast), then the datagram.
 */
final class DatagramSlot extends PortSlot {
    static final int SEND_META = 16;
    static final int RECEIVE_META = 16;
    static final int MESSAGE = 1;

    final int sendRingBytes;
    /** Per resource: its send ring, or null until the first send through it (written by the sending thread). */
    final AtomicReferenceArray<OneToOneRingBuffer> send;
    final ManyToOneRingBuffer receive;
    /** Per resource: the socket bound there, or null (bound to another resource's address). */
    final UdpSocket[] sockets;
    /** Per resource: a doorbell command is on its way (deduplicates them). */
    final AtomicIntegerArray doorbell;
    volatile Thread readWaiter;
    volatile Thread writeWaiter;
    /** Datagrams a poll thread dropped because the receive ring was full (UDP: no back-pressure to the sender). */
    final AtomicLong receiveRingDrops = new AtomicLong();
    /** Datagrams the stack took for this port but this socket does not want (another local address, a group it did not join). */
    final AtomicLong filtered = new AtomicLong();
    /** The one local address this socket is bound to, or 0 (every address of every resource). Set before binding. */
    volatile int localAddress;
    /** The one resource this socket is bound on, or -1 (every resource). Set before binding. */
    volatile int onlyResource = -1;

    // ----------------------------------------------------- per resource, each element touched by its poll thread only
    /** The resource's send ring waits in its bridge's retry list. */
    final boolean[] active;
    /** The groups this socket joined on the resource. */
    final int[][] groups;
    final int[] groupCount;

    DatagramSlot(int resources, int sendBytes, int receiveBytes) {
        this.sendRingBytes = pow2(sendBytes);
        this.send = new AtomicReferenceArray<>(resources);
        this.receive = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(pow2(receiveBytes) + RingBufferDescriptor.TRAILER_LENGTH)));
        this.sockets = new UdpSocket[resources];
        this.doorbell = new AtomicIntegerArray(resources);
        this.active = new boolean[resources];
        this.groups = new int[resources][];
        this.groupCount = new int[resources];
    }

    /** Resource {@code r}'s send ring, made now if this is the first send through it. Sending thread only. */
    OneToOneRingBuffer sendRing(int r) {
        OneToOneRingBuffer ring = send.get(r);
        if (ring == null) {
            ring = new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(sendRingBytes + RingBufferDescriptor.TRAILER_LENGTH)));
            send.set(r, ring); // before the doorbell command that names it
        }
        return ring;
    }

    // ------------------------------------------------------------------------------- poll thread of resource r

    boolean joined(int r, int group) {
        int[] g = groups[r];
        for (int i = 0; i < groupCount[r]; i++) {
            if (g[i] == group) {
                return true;
            }
        }
        return false;
    }

    void addGroup(int r, int group) {
        int[] g = groups[r];
        if (g == null) {
            g = groups[r] = new int[4];
        } else if (groupCount[r] == g.length) {
            g = groups[r] = Arrays.copyOf(g, g.length * 2);
        }
        g[groupCount[r]++] = group;
    }

    boolean removeGroup(int r, int group) {
        int[] g = groups[r];
        for (int i = 0; i < groupCount[r]; i++) {
            if (g[i] == group) {
                g[i] = g[--groupCount[r]];
                return true;
            }
        }
        return false;
    }

    private static int pow2(int bytes) {
        return Math.max(1 << 17, Integer.highestOneBit(Math.max(bytes, 2) - 1) << 1);
    }
}
