package dev.bypass.nic.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes a classic pcap file (the libpcap format Wireshark and tshark read) of Ethernet frames with
 * nanosecond timestamps. All fields are written little-endian; readers tell the byte order from the magic.
 *
 * <pre>
 * global header (24 bytes)                    record header (16 bytes), then the frame bytes
 *   0  magic 0xa1b23c4d (ns timestamps)         0  timestamp, seconds
 *   4  version 2.4                              4  timestamp, nanoseconds within the second
 *   8  this zone 0, sigfigs 0                   8  captured length (at most the snap length)
 *  16  snap length 262144                      12  original length
 *  20  link type 1 (Ethernet)
 * </pre>
 *
 * <p>Does blocking file I/O: for a writer thread, never a poll thread ({@link PcapDevice} hands frames
 * over through a ring). Records are staged in a 1 MiB buffer and written when it fills, on
 * {@link #flush()} and on {@link #close()}. Not thread-safe.
 */
public final class PcapWriter implements AutoCloseable {
    /** Magic of the nanosecond-resolution variant of the format. */
    public static final int MAGIC_NANOSECONDS = 0xA1B2_3C4D;
    public static final int VERSION_MAJOR = 2;
    public static final int VERSION_MINOR = 4;
    /** Frames longer than this are cut to it in the file (tcpdump's default). */
    public static final int SNAP_LENGTH = 262_144;
    /** LINKTYPE_ETHERNET: frames start with the Ethernet header, no FCS. */
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int GLOBAL_HEADER_BYTES = 24;
    public static final int RECORD_HEADER_BYTES = 16;

    private static final int STAGING_BYTES = 1 << 20;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final FileChannel channel;
    private final ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final UnsafeBuffer stagingView = new UnsafeBuffer(staging);
    private long records;

    /** Creates (or truncates) {@code file} and writes the global header. */
    public PcapWriter(Path file) throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
        staging.putInt(MAGIC_NANOSECONDS)
            .putShort((short) VERSION_MAJOR)
            .putShort((short) VERSION_MINOR)
            .putInt(0) // this zone: timestamps are UTC
            .putInt(0) // sigfigs: always 0
            .putInt(SNAP_LENGTH)
            .putInt(LINKTYPE_ETHERNET);
    }

    /**
     * Appends one frame of {@code length} bytes at {@code offset}, stamped {@code timestampNs} nanoseconds
     * after the Unix epoch.
     */
    public void write(long timestampNs, DirectBuffer frame, int offset, int length) throws IOException {
        int captured = Math.min(length, SNAP_LENGTH);
        if (staging.remaining() < RECORD_HEADER_BYTES + captured) {
            drain();
        }
        int at = staging.position();
        staging.putInt((int) Math.floorDiv(timestampNs, NANOS_PER_SECOND))
            .putInt((int) Math.floorMod(timestampNs, NANOS_PER_SECOND))
            .putInt(captured)
            .putInt(length);
        stagingView.putBytes(at + RECORD_HEADER_BYTES, frame, offset, captured);
        staging.position(at + RECORD_HEADER_BYTES + captured);
        records++;
    }

    /** Records written so far. */
    public long records() {
        return records;
    }

    /** Writes the staged records to the file. */
    public void flush() throws IOException {
        drain();
        channel.force(false);
    }

    private void drain() throws IOException {
        staging.flip();
        while (staging.hasRemaining()) {
            channel.write(staging);
        }
        staging.clear();
    }

    @Override
    public void close() throws IOException {
        try (channel) {
            drain();
        }
    }
}
