package dev.bypass.host;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The counters of a bypass process in a memory-mapped file, as Aeron's CnC file: another process
 * ({@code ./bypass stat}) maps it read-only and reads every counter while this one runs, without locks or
 * system calls on either side. The process writes its counters through an Agrona {@link CountersManager}
 * over the file's metadata and values sections; a heartbeat thread stamps the header every
 * {@link #HEARTBEAT_INTERVAL_MS} ms so a reader can tell a live process from a dead one.
 *
 * <pre>
 *   0  long  magic "BYPASSCN" (written last: a reader that sees it sees a complete header)
 *   8  int   layout version (1)
 *  12  int   header length (4096): the metadata section starts here
 *  16  int   metadata length (counters x 512)
 *  20  int   values length (counters x 128): the values section follows the metadata
 *  24  long  pid of the writer
 *  32  long  start time, ms since the epoch
 *  40  long  heartbeat, ms since the epoch (volatile)
 *  48  int   state: 1 running, 2 closed cleanly (volatile)
 *  52  int   length of the info text
 *  64  ...   info text, UTF-8: what runs (name, resources, addresses), for the reader's title
 * </pre>
 *
 * The file is built under a temporary name and renamed into place, so a reader never maps half a file; it
 * stays after the process exits (state closed, last values kept) until the next process of that name
 * replaces it.
 */
public final class CountersFile implements AutoCloseable {
    public static final long MAGIC = 0x4e43_5353_4150_5942L; // "BYPASSCN" little-endian
    public static final int VERSION = 1;
    public static final int HEADER_LENGTH = 4096;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int METADATA_LENGTH_OFFSET = 16;
    public static final int VALUES_LENGTH_OFFSET = 20;
    public static final int PID_OFFSET = 24;
    public static final int START_OFFSET = 32;
    public static final int HEARTBEAT_OFFSET = 40;
    public static final int STATE_OFFSET = 48;
    public static final int INFO_LENGTH_OFFSET = 52;
    public static final int INFO_OFFSET = 64;
    public static final int MAX_INFO_BYTES = HEADER_LENGTH - INFO_OFFSET;
    public static final int STATE_RUNNING = 1;
    public static final int STATE_CLOSED = 2;
    public static final long HEARTBEAT_INTERVAL_MS = 100;
    /** A heartbeat older than this means the writer is not running (or stuck). */
    public static final long HEARTBEAT_TIMEOUT_MS = 2_000;

    private final Path path;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final CountersManager manager;
    private final Thread heartbeat;
    private volatile boolean closed;

    private CountersFile(Path path, MappedByteBuffer mapped, int metadataLength, int valuesLength) {
        this.path = path;
        this.mapped = mapped;
        this.header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        this.manager = new CountersManager(new UnsafeBuffer(mapped, HEADER_LENGTH, metadataLength),
            new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength, valuesLength));
        this.heartbeat = new Thread(this::beat, "bypass-counters-heartbeat");
        heartbeat.setDaemon(true);
    }

    /**
     * Creates (or replaces) the file at {@code path} with room for {@code counters} counters, and starts its
     * heartbeat.
     *
     * @param info what runs, shown by readers (truncated to {@link #MAX_INFO_BYTES})
     * @throws IOException the file is in use by a live process, or cannot be written
     */
    public static CountersFile create(Path path, int counters, String info) throws IOException {
        refuseIfInUse(path);
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        int metadataLength = counters * CountersReader.METADATA_LENGTH;
        int valuesLength = counters * CountersReader.COUNTER_LENGTH;
        long length = (long) HEADER_LENGTH + metadataLength + valuesLength;
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        MappedByteBuffer mapped;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.allocate(1), length - 1); // sized, zero-filled (sparse)
            mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
        }
        CountersFile file = new CountersFile(path, mapped, metadataLength, valuesLength);
        UnsafeBuffer h = file.header;
        byte[] text = info.getBytes(StandardCharsets.UTF_8);
        int infoLength = Math.min(text.length, MAX_INFO_BYTES);
        h.putInt(VERSION_OFFSET, VERSION);
        h.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        h.putInt(METADATA_LENGTH_OFFSET, metadataLength);
        h.putInt(VALUES_LENGTH_OFFSET, valuesLength);
        h.putLong(PID_OFFSET, ProcessHandle.current().pid());
        long now = System.currentTimeMillis();
        h.putLong(START_OFFSET, now);
        h.putLong(HEARTBEAT_OFFSET, now);
        h.putInt(STATE_OFFSET, STATE_RUNNING);
        h.putBytes(INFO_OFFSET, text, 0, infoLength);
        h.putInt(INFO_LENGTH_OFFSET, infoLength);
        h.putLongRelease(MAGIC_OFFSET, MAGIC);
        try {
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
        }
        file.heartbeat.start();
        return file;
    }

    /** Fails if {@code path} is the counters file of another process that is alive. */
    private static void refuseIfInUse(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (CountersFileReader other = CountersFileReader.open(path)) {
            CountersFileReader.Liveness l = other.liveness(System.currentTimeMillis());
            if (other.pid() != ProcessHandle.current().pid() && l == CountersFileReader.Liveness.RUNNING) {
                throw new IOException("counters file " + path + " is in use by process " + other.pid() + " ("
                    + other.describeLiveness(System.currentTimeMillis()) + "): give this process another [stack] name "
                    + "or counters-file, or stop that one");
            }
        } catch (CountersFileReader.NotACountersFile e) {
            // a stale or foreign file: replaced below
        }
    }

    public Path path() {
        return path;
    }

    /** The manager to allocate counters in; allocate from one thread at a time. */
    public CountersManager manager() {
        return manager;
    }

    private void beat() {
        while (!closed) {
            header.putLongVolatile(HEARTBEAT_OFFSET, System.currentTimeMillis());
            try {
                Thread.sleep(HEARTBEAT_INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Marks the file closed (readers then show the last values as final) and stops the heartbeat. The
     * mapping is left to the garbage collector rather than unmapped: a thread still holding a counter (a
     * poll thread that has not quite stopped) must never write into unmapped memory.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        heartbeat.interrupt();
        try {
            heartbeat.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        header.putLongVolatile(HEARTBEAT_OFFSET, System.currentTimeMillis());
        header.putIntVolatile(STATE_OFFSET, STATE_CLOSED);
        mapped.force();
    }
}
