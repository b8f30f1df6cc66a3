package dev.bypass.bench;

import dev.bypass.nic.decorator.DeviceDecorator;
import dev.bypass.stack.device.Frame;
import dev.bypass.stack.device.NetworkDevice;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A NIC wrapper for benchmarks of a stack's input path, allocation-free once set up. Until {@link #replay()}
 * it passes everything to the wrapped NIC, recording a copy of the last frame transmitted of a given length
 * ({@link #record}). From {@link #replay()} on, it is the only source of received frames: each
 * {@link #inject} puts one copy of the template into a frame of the wrapped NIC's pool (the DMA a NIC does)
 * with both receive checksums marked good (a NIC with receive checksum offload), and every frame the stack
 * transmits is counted and released (a NIC whose wire is infinitely fast).
 */
final class ReplayDevice extends DeviceDecorator {
    private final UnsafeBuffer template = new UnsafeBuffer(ByteBuffer.allocateDirect(16 * 1024));
    private int recordLength = -1;
    private int templateLength;
    private boolean replaying;
    private boolean pending;
    private long framesTransmitted;
    private long bytesTransmitted;

    ReplayDevice(NetworkDevice inner) {
        super(inner);
    }

    /** Record a copy of the next frame of {@code length} bytes transmitted through this device. */
    void record(int length) {
        recordLength = length;
        templateLength = 0;
    }

    /** The recorded frame's length, 0 if none yet. */
    int recorded() {
        return templateLength;
    }

    UnsafeBuffer template() {
        return template;
    }

    /** Takes {@code other}'s recorded frame as this device's template. */
    void adopt(ReplayDevice other) {
        template.putBytes(0, other.template, 0, other.templateLength);
        templateLength = other.templateLength;
    }

    void replay() {
        if (templateLength == 0) {
            throw new IllegalStateException("nothing recorded");
        }
        replaying = true;
    }

    /** The next receive burst returns one copy of the template. */
    void inject() {
        pending = true;
    }

    /** Writes a TCP sequence number into the template (IPv4 without options). */
    void templateSequence(int seq) {
        template.putInt(14 + 20 + 4, seq, ByteOrder.BIG_ENDIAN);
    }

    int templateSequence() {
        return template.getInt(14 + 20 + 4, ByteOrder.BIG_ENDIAN);
    }

    long framesTransmitted() {
        return framesTransmitted;
    }

    long bytesTransmitted() {
        return bytesTransmitted;
    }

    @Override
    public int receive(int queue, Frame[] frames, int max, long nowNs) {
        if (!replaying) {
            return inner().receive(queue, frames, max, nowNs);
        }
        if (!pending || max == 0) {
            return 0;
        }
        pending = false;
        Frame f = inner().pool().allocate();
        if (f == null) {
            throw new IllegalStateException("pool empty: the stack keeps received frames");
        }
        f.buffer().putBytes(f.offset(), template, 0, templateLength);
        f.length(templateLength);
        f.rxFlags(Frame.RX_IP_CHECKSUM_GOOD | Frame.RX_L4_CHECKSUM_GOOD);
        frames[0] = f;
        return 1;
    }

    @Override
    public void transmit(int queue, Frame frame, long nowNs) {
        if (!replaying) {
            if (frame.length() == recordLength && templateLength == 0) {
                template.putBytes(0, frame.buffer(), frame.offset(), frame.length());
                templateLength = frame.length();
            }
            inner().transmit(queue, frame, nowNs);
            return;
        }
        framesTransmitted++;
        bytesTransmitted += frame.length();
        frame.release();
    }

    @Override
    public int flush(int queue, long nowNs) {
        return replaying ? 0 : inner().flush(queue, nowNs);
    }
}
