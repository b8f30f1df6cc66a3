package dev.bypass.nic.capture;

import dev.bypass.nic.decorator.DeviceDecorator;
import dev.bypass.nic.offload.SoftwareOffload;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.NetworkDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Records what a device receives and transmits into a pcap file, around any {@link NetworkDevice}:
 * received frames after the inner device lends them, transmitted frames before the inner device takes
 * them. Transmitted frames are written as they will be on the wire: checksums the stack left to the
 * device are filled in and TSO super-frames appear as their segments ({@link SoftwareOffload}).
 *
 * <p>The poll thread does no file I/O: it copies each frame with its timestamp and transmit-offload
 * metadata into an Agrona {@link OneToOneRingBuffer}, and a writer thread of this decorator drains the
 * ring into a {@link PcapWriter}. If the ring is full, the record is lost and counted
 * ({@link #lostRecords()}); the poll thread never waits. {@link #close()} drains the ring, flushes and
 * closes the file, then closes the inner device.
 *
 * <p>Timestamps are the {@code nowNs} the poll thread passes in, plus {@code epochOffsetNs}: with a
 * {@link System#nanoTime()} clock use {@link #epochOffsetOfNanoTime()}; a virtual-time simulation passes a
 * fixed date so that captures show sensible times. Capabilities are the inner device's, unchanged.
 */
public final class PcapDevice extends DeviceDecorator {
    /** Capture ring size unless given: 8 MiB, a few thousand full-size frames of slack for the writer. */
    public static final int DEFAULT_RING_BYTES = 8 << 20;

    private static final int MSG_RECEIVED = 1;
    private static final int MSG_TRANSMITTED = 2;
    // A ring record: capture metadata, then the frame bytes.
    private static final int TIMESTAMP_OFFSET = 0;
    private static final int TX_FLAGS_OFFSET = 8;
    private static final int L2_LENGTH_OFFSET = 12;
    private static final int L3_LENGTH_OFFSET = 16;
    private static final int L4_LENGTH_OFFSET = 20;
    private static final int TSO_SEGMENT_SIZE_OFFSET = 24;
    private static final int FRAME_OFFSET = 28;

    private final long epochOffsetNs;
    private final OneToOneRingBuffer ring;
    private final CaptureWriter writer;
    private final Thread writerThread;
    private boolean closed;
    private long capturedRecords;
    private long lostRecords;

    /** Captures {@code inner} into {@code file} with a ring of {@link #DEFAULT_RING_BYTES}. */
    public PcapDevice(NetworkDevice inner, Path file, long epochOffsetNs) throws IOException {
        this(inner, file, epochOffsetNs, DEFAULT_RING_BYTES);
    }

    /**
     * Captures {@code inner} into {@code file} (created or truncated now), stamping frames
     * {@code nowNs + epochOffsetNs}, through a ring of {@code ringBytes} (a power of two).
     */
    public PcapDevice(NetworkDevice inner, Path file, long epochOffsetNs, int ringBytes) throws IOException {
        super(inner);
        if (!BitUtil.isPowerOfTwo(ringBytes) || ringBytes < 64 * 1024) {
            throw new IllegalArgumentException("pcap capture ring of " + ringBytes + " bytes: must be a power of two of at least 64 KiB");
        }
        this.epochOffsetNs = epochOffsetNs;
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            ringBytes + RingBufferDescriptor.TRAILER_LENGTH, BitUtil.CACHE_LINE_LENGTH)));
        this.writer = new CaptureWriter(new PcapWriter(file), ring.maxMsgLength());
        this.writerThread = Thread.ofPlatform().name("pcap-writer-" + inner.name()).daemon(true).unstarted(writer);
        writerThread.start();
    }

    /**
     * The offset from {@link System#nanoTime()} to nanoseconds since the Unix epoch, for poll threads whose
     * clock is {@code nanoTime}.
     */
    public static long epochOffsetOfNanoTime() {
        return TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()) - System.nanoTime();
    }

    @Override
    public int receive(int queue, Frame[] frames, int max, long nowNs) {
        int received = inner.receive(queue, frames, max, nowNs);
        for (int i = 0; i < received; i++) {
            capture(MSG_RECEIVED, frames[i], nowNs);
        }
        return received;
    }

    @Override
    public void transmit(int queue, Frame frame, long nowNs) {
        capture(MSG_TRANSMITTED, frame, nowNs); // before the inner device owns (and may recycle) it
        inner.transmit(queue, frame, nowNs);
    }

    /** Copies the frame and its metadata into the ring, or counts the record lost. */
    private void capture(int direction, Frame frame, long nowNs) {
        int recordLength = FRAME_OFFSET + frame.length();
        int index = recordLength <= ring.maxMsgLength() ? ring.tryClaim(direction, recordLength) : -1;
        if (index < 0) {
            lostRecords++;
            return;
        }
        MutableDirectBuffer buffer = ring.buffer();
        buffer.putLong(index + TIMESTAMP_OFFSET, nowNs + epochOffsetNs);
        buffer.putInt(index + TX_FLAGS_OFFSET, frame.txFlags());
        buffer.putInt(index + L2_LENGTH_OFFSET, frame.l2Length());
        buffer.putInt(index + L3_LENGTH_OFFSET, frame.l3Length());
        buffer.putInt(index + L4_LENGTH_OFFSET, frame.l4Length());
        buffer.putInt(index + TSO_SEGMENT_SIZE_OFFSET, frame.tsoSegmentSize());
        buffer.putBytes(index + FRAME_OFFSET, frame.buffer(), frame.offset(), frame.length());
        ring.commit(index);
        capturedRecords++;
    }

    /** Frames handed to the writer thread. */
    public long capturedRecords() {
        return capturedRecords;
    }

    /**
     * Frames not captured: the ring was full (the writer thread, that is the disk, could not keep up) or
     * the frame was larger than the ring's largest record (an eighth of the ring).
     */
    public long lostRecords() {
        return lostRecords;
    }

    /** Pcap records in the file so far, from the writer thread (a TSO super-frame writes one per segment). */
    public long writtenRecords() {
        return writer.written;
    }

    /** Stops the writer once it has written everything captured, closes the file, then the inner device. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.running = false;
            writerThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while closing the pcap capture of " + inner.name(), e);
        } finally {
            inner.close();
        }
        if (writer.failure != null) {
            throw new UncheckedIOException("pcap capture of " + inner.name() + " failed", writer.failure);
        }
    }

    /**
     * The writer thread: drains the ring into the file, completing the offloads of transmitted frames in
     * a scratch buffer so the file shows wire frames.
     */
    private final class CaptureWriter implements Runnable, MessageHandler {
        private final PcapWriter pcap;
        private final SoftwareOffload offload = new SoftwareOffload();
        private final UnsafeBuffer scratch;
        private volatile boolean running = true;
        private volatile long written;
        private volatile IOException failure;

        CaptureWriter(PcapWriter pcap, int maxRecordBytes) {
            this.pcap = pcap;
            this.scratch = new UnsafeBuffer(BufferUtil.allocateDirectAligned(maxRecordBytes, BitUtil.CACHE_LINE_LENGTH));
        }

        @Override
        public void run() {
            IdleStrategy idle = new BackoffIdleStrategy();
            try (pcap) {
                while (running) {
                    int records = ring.read(this);
                    if (records > 0) {
                        written = pcap.records();
                    }
                    idle.idle(records);
                }
                while (ring.read(this) > 0) {
                    // the poll thread has stopped capturing: write what is left
                }
                pcap.flush();
                written = pcap.records();
            } catch (IOException | UncheckedIOException e) {
                failure = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            }
        }

        @Override
        public void onMessage(int direction, MutableDirectBuffer buffer, int index, int length) {
            try {
                writeRecord(direction, buffer, index, length);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // MessageHandler cannot throw IOException; run() unwraps it
            }
        }

        private void writeRecord(int direction, MutableDirectBuffer buffer, int index, int length) throws IOException {
            long timestampNs = buffer.getLong(index + TIMESTAMP_OFFSET);
            int txFlags = buffer.getInt(index + TX_FLAGS_OFFSET);
            int frame = index + FRAME_OFFSET;
            int frameLength = length - FRAME_OFFSET;
            if (direction == MSG_RECEIVED || (txFlags & SoftwareOffload.TX_OFFLOAD_FLAGS) == 0) {
                pcap.write(timestampNs, buffer, frame, frameLength);
                return;
            }
            int l2 = buffer.getInt(index + L2_LENGTH_OFFSET);
            int l3 = buffer.getInt(index + L3_LENGTH_OFFSET);
            int l4 = buffer.getInt(index + L4_LENGTH_OFFSET);
            int segmentBytes = buffer.getInt(index + TSO_SEGMENT_SIZE_OFFSET);
            if ((txFlags & Frame.TX_TCP_SEGMENTATION) != 0) {
                if (!offload.segmentable(buffer, frame, frameLength, l2, l3, l4, segmentBytes)) {
                    pcap.write(timestampNs, buffer, frame, frameLength); // the device drops it; show what the stack sent
                    return;
                }
                int segments = SoftwareOffload.segmentCount(frameLength, l2, l3, l4, segmentBytes);
                for (int i = 0; i < segments; i++) {
                    int segmentLength = offload.writeSegment(buffer, frame, frameLength, l2, l3, l4, segmentBytes, i, scratch, 0);
                    pcap.write(timestampNs, scratch, 0, segmentLength);
                }
                return;
            }
            scratch.putBytes(0, buffer, frame, frameLength);
            offload.completeChecksums(scratch, 0, frameLength, txFlags, l2, l3);
            pcap.write(timestampNs, scratch, 0, frameLength);
        }
    }
}
