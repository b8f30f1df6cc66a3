package dev.bypass.host;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

/**
 * Reads a {@link CountersFile} another process writes: maps it read-only and reads its counters with an
 * Agrona {@link CountersReader} (acquire loads, no locks). Says whether the writer is alive from the
 * heartbeat and the pid.
 */
public final class CountersFileReader implements AutoCloseable {
    /** What the writer of a file is doing. */
    public enum Liveness {
        /** Heartbeat fresh. */
        RUNNING,
        /** The process exists but its heartbeat stopped (stuck, or stopped with SIGSTOP). */
        NOT_RESPONDING,
        /** The process is gone without closing the file (killed). */
        EXITED,
        /** The process closed the file as it stopped: the values are final. */
        CLOSED
    }

    /** The file is not (or not yet) a complete counters file. */
    public static final class NotACountersFile extends IOException {
        NotACountersFile(String message) {
            super(message);
        }
    }

    private final Path path;
    private final Object fileKey;
    private final UnsafeBuffer header;
    private final CountersReader counters;
    private final String info;

    private CountersFileReader(Path path, Object fileKey, UnsafeBuffer header, CountersReader counters, String info) {
        this.path = path;
        this.fileKey = fileKey;
        this.header = header;
        this.counters = counters;
        this.info = info;
    }

    /** Maps {@code path} read-only. */
    public static CountersFileReader open(Path path) throws IOException {
        MappedByteBuffer mapped;
        Object key;
        long size;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            size = ch.size();
            if (size < CountersFile.HEADER_LENGTH) {
                throw new NotACountersFile(path + " is not a bypass counters file (" + size + " bytes, shorter than its "
                    + "header)");
            }
            key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "no counters file (is bypass serve running with this "
                + "counters-file? ./bypass stat --file PATH)");
        }
        UnsafeBuffer header = new UnsafeBuffer(mapped, 0, CountersFile.HEADER_LENGTH);
        if (header.getLongAcquire(CountersFile.MAGIC_OFFSET) != CountersFile.MAGIC) {
            throw new NotACountersFile(path + " is not a bypass counters file (no BYPASSCN magic)");
        }
        int version = header.getInt(CountersFile.VERSION_OFFSET);
        if (version != CountersFile.VERSION) {
            throw new NotACountersFile(path + " has counters layout version " + version + "; this bypass reads version "
                + CountersFile.VERSION);
        }
        int headerLength = header.getInt(CountersFile.HEADER_LENGTH_OFFSET);
        int metadataLength = header.getInt(CountersFile.METADATA_LENGTH_OFFSET);
        int valuesLength = header.getInt(CountersFile.VALUES_LENGTH_OFFSET);
        if (headerLength != CountersFile.HEADER_LENGTH || metadataLength < 0 || valuesLength < 0
            || (long) headerLength + metadataLength + valuesLength > size) {
            throw new NotACountersFile(path + " is damaged: its sections do not fit its " + size + " bytes");
        }
        int infoLength = Math.min(Math.max(header.getInt(CountersFile.INFO_LENGTH_OFFSET), 0), CountersFile.MAX_INFO_BYTES);
        byte[] text = new byte[infoLength];
        header.getBytes(CountersFile.INFO_OFFSET, text);
        CountersReader reader = new CountersReader(new UnsafeBuffer(mapped, headerLength, metadataLength),
            new UnsafeBuffer(mapped, headerLength + metadataLength, valuesLength));
        return new CountersFileReader(path, key, header, reader, new String(text, StandardCharsets.UTF_8));
    }

    public Path path() {
        return path;
    }

    public CountersReader counters() {
        return counters;
    }

    /** What the writer said it runs. */
    public String info() {
        return info;
    }

    public long pid() {
        return header.getLong(CountersFile.PID_OFFSET);
    }

    public long startEpochMs() {
        return header.getLong(CountersFile.START_OFFSET);
    }

    public long heartbeatEpochMs() {
        return header.getLongVolatile(CountersFile.HEARTBEAT_OFFSET);
    }

    public int state() {
        return header.getIntVolatile(CountersFile.STATE_OFFSET);
    }

    /** What the writer is doing at {@code nowEpochMs}. */
    public Liveness liveness(long nowEpochMs) {
        if (state() == CountersFile.STATE_CLOSED) {
            return Liveness.CLOSED;
        }
        boolean exists = ProcessHandle.of(pid()).map(ProcessHandle::isAlive).orElse(false);
        if (!exists) {
            return Liveness.EXITED;
        }
        return nowEpochMs - heartbeatEpochMs() <= CountersFile.HEARTBEAT_TIMEOUT_MS ? Liveness.RUNNING
            : Liveness.NOT_RESPONDING;
    }

    /** "running, heartbeat 0.1 s ago" and the like. */
    public String describeLiveness(long nowEpochMs) {
        double age = (nowEpochMs - heartbeatEpochMs()) / 1000.0;
        return switch (liveness(nowEpochMs)) {
            case RUNNING -> String.format(Locale.ROOT, "running, up %.1f s", (nowEpochMs - startEpochMs()) / 1000.0);
            case NOT_RESPONDING -> String.format(Locale.ROOT, "NOT RESPONDING: last heartbeat %.1f s ago", age);
            case EXITED -> String.format(Locale.ROOT, "EXITED without closing (killed?) %.1f s ago; last values", age);
            case CLOSED -> String.format(Locale.ROOT, "stopped %.1f s ago after %.1f s; final values", age,
                (heartbeatEpochMs() - startEpochMs()) / 1000.0);
        };
    }

    /** True if {@code path} now holds another file (the writer restarted and replaced it). */
    public boolean replaced() {
        try {
            Object now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            return now == null ? false : !now.equals(fileKey);
        } catch (IOException e) {
            return false; // gone: keep showing the last values
        }
    }

    /** Nothing to release: the read-only mapping goes with the garbage collector. */
    @Override
    public void close() {
    }
}
