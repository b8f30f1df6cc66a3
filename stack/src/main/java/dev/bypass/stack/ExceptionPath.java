package dev.bypass.stack;

import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.wire.EthernetHeader;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The exception path: frames the stack does not claim go to the host's kernel, and the kernel's frames go
 * out on the stack's NIC, so a host whose NIC the stack owns keeps its kernel networking (ssh, NTP,
 * monitoring), as F-Stack does with its kernel interface.
 *
 * <pre>
 *   NIC ─► stack ─┬─► claimed: TCP/UDP ports with a socket, ICMP echo, ARP for our address
 *                 └─► toKernel ring ──► pump thread ──► TAP (kernel: same MAC and address)
 *   NIC ◄─ stack ◄─── fromKernel ring ◄── pump thread ◄── TAP
 * </pre>
 *
 * <p>Unclaimed: TCP segments with no connection or listener (instead of a reset), UDP datagrams for a port
 * with no socket (instead of ICMP port unreachable), IP protocols and Ethernet types the stack does not
 * speak, ICMP errors for no connection of ours. ARP goes both ways: the stack learns and answers, and the
 * kernel gets a copy, so both resolve their neighbours (both answer for the shared address with the same
 * MAC; the duplicates are harmless).
 *
 * <p>The poll thread only copies frames into and out of two single-producer rings: the TAP's system calls
 * happen on the pump's thread ({@code dev.bypass.nic.tap.ExceptionPathPump}), never on the poll thread. A
 * full ring drops the frame and counts it; the kernel's own protocols recover, as from any loss.
 */
public final class ExceptionPath {
    /**
     * Bytes of each ring: room for several hundred full-size frames each way. A ring carries frames of up to
     * an eighth of its size (Agrona's limit): 128 KiB here.
     */
    public static final int DEFAULT_RING_BYTES = 1 << 20;
    /** Frames taken from the kernel per poll at most, so the slow path cannot starve the fast one. */
    static final int FROM_KERNEL_BURST = 32;
    private static final int MSG_FRAME = 1;

    private final OneToOneRingBuffer toKernel;
    private final OneToOneRingBuffer fromKernel;
    private final KernelFrameHandler handler = new KernelFrameHandler();
    private NetworkStack stack;

    public ExceptionPath() {
        this(DEFAULT_RING_BYTES);
    }

    public ExceptionPath(int ringBytes) {
        if (!BitUtil.isPowerOfTwo(ringBytes) || ringBytes < 4096) {
            throw new IllegalArgumentException("exception path ring size must be a power of two of at least 4096 bytes, got "
                + ringBytes);
        }
        toKernel = ring(ringBytes);
        fromKernel = ring(ringBytes);
    }

    private static OneToOneRingBuffer ring(int bytes) {
        int total = bytes + RingBufferDescriptor.TRAILER_LENGTH;
        return new OneToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(total, BitUtil.CACHE_LINE_LENGTH)));
    }

    // ---------------------------------------------------------------- the pump's side (its own thread)

    /** For the pump: takes frames the stack handed to the kernel; returns how many. */
    public int drainToKernel(MessageHandler toTap, int limit) {
        return toKernel.read(toTap, limit);
    }

    /** For the pump: a frame the kernel sent, to go out on the NIC; false (dropped) when the ring is full. */
    public boolean offerFromKernel(DirectBuffer frame, int offset, int length) {
        return length <= fromKernel.maxMsgLength() && fromKernel.write(MSG_FRAME, frame, offset, length);
    }

    // ---------------------------------------------------------------- the stack's side (its poll thread)

    void attach(NetworkStack owner) {
        if (stack != null) {
            throw new IllegalStateException("exception path already serves stack '" + stack.config().name() + "'");
        }
        stack = owner;
    }

    /** Copies a whole received frame towards the kernel; returns the counter that records its fate. */
    Counter toKernel(Frame frame) {
        if (frame.length() > toKernel.maxMsgLength()
            || !toKernel.write(MSG_FRAME, frame.buffer(), frame.offset(), frame.length())) {
            return Counter.EXCEPTION_RING_FULL;
        }
        return Counter.EXCEPTION_TO_KERNEL;
    }

    /** Sends up to a burst of the kernel's frames on the NIC; returns how many. */
    int transmitFromKernel() {
        return fromKernel.read(handler, FROM_KERNEL_BURST);
    }

    boolean fromKernelWaiting() {
        return fromKernel.size() > 0;
    }

    private final class KernelFrameHandler implements MessageHandler {
        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            Frame frame = stack.allocateTxFrame();
            if (frame == null) {
                return; // counted as stack.tx_no_buffer
            }
            if (length > frame.capacity() - frame.offset()) {
                frame.release();
                stack.counters().increment(Counter.EXCEPTION_FROM_KERNEL_TOO_LONG);
                return;
            }
            frame.buffer().putBytes(frame.offset(), buffer, index, length);
            int padded = length;
            if (length < EthernetHeader.MIN_FRAME_LENGTH && frame.capacity() - frame.offset() >= EthernetHeader.MIN_FRAME_LENGTH) {
                // A TAP gives frames unpadded; Ethernet needs 60 bytes (a NIC would pad them too).
                frame.buffer().setMemory(frame.offset() + length, EthernetHeader.MIN_FRAME_LENGTH - length, (byte) 0);
                padded = EthernetHeader.MIN_FRAME_LENGTH;
            }
            frame.length(padded);
            stack.counters().increment(Counter.EXCEPTION_FROM_KERNEL);
            stack.transmit(frame);
        }
    }
}
