package dev.bypass.socket;

import dev.bypass.stack.UdpSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * What application threads and poll threads share of one UDP socket: a message ring each way. Send: one
 * application writer to the sending resource's poll thread (one-to-one); receive: every resource's poll thread
 * to the reader (many-to-one). Each record: address (4), port (4), then the datagram.
 */
final class DatagramSlot extends PortSlot {
    static final int META = 8;
    static final int MESSAGE = 1;

    final OneToOneRingBuffer send;
    final ManyToOneRingBuffer receive;
    final UdpSocket[] sockets;
    final AtomicInteger doorbell = new AtomicInteger();
    volatile Thread readWaiter;
    volatile Thread writeWaiter;
    /** Datagrams a poll thread dropped because the receive ring was full (UDP: no back-pressure to the sender). */
    final AtomicInteger receiveRingDrops = new AtomicInteger();
    // poll thread of the sending resource only
    boolean active;

    DatagramSlot(int resources, int sendBytes, int receiveBytes) {
        this.send = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(pow2(sendBytes) + RingBufferDescriptor.TRAILER_LENGTH)));
        this.receive = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(pow2(receiveBytes) + RingBufferDescriptor.TRAILER_LENGTH)));
        this.sockets = new UdpSocket[resources];
    }

    private static int pow2(int bytes) {
        return Math.max(1 << 17, Integer.highestOneBit(Math.max(bytes, 2) - 1) << 1);
    }
}
