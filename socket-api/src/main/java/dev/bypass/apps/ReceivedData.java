package dev.bypass.apps;

import dev.bypass.stack.TcpConnection;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What one connection has received: counted, hashed with SHA-256 and, optionally, its first bytes kept
 * (e.g. to read a response header). Reads through a scratch buffer that the connections of one service
 * share (they all run on the poll thread); reusable after {@link #reset}.
 */
final class ReceivedData {
    private final UnsafeBuffer scratch;
    private final MessageDigest sha256;
    private byte[] head = new byte[0];
    private int headLength;
    private long bytes;

    /** {@code scratch} must wrap a byte array (the digest reads the array). */
    ReceivedData(UnsafeBuffer scratch) {
        this(scratch, true);
    }

    /** As {@link #ReceivedData(UnsafeBuffer)}; without {@code hash} it only counts (and keeps the head). */
    ReceivedData(UnsafeBuffer scratch, boolean hash) {
        if (scratch.byteArray() == null) {
            throw new IllegalArgumentException("scratch buffer must wrap a byte[]");
        }
        this.scratch = scratch;
        this.sha256 = hash ? BytePattern.newSha256() : null;
    }

    /** Starts over, keeping the first {@code headBytes} bytes of what comes next. */
    void reset(int headBytes) {
        if (sha256 != null) {
            sha256.reset();
        }
        if (head.length != headBytes) {
            head = new byte[headBytes];
        }
        headLength = 0;
        bytes = 0;
    }

    /** Reads everything waiting on {@code connection}; true once the peer's data has ended (read gave -1). */
    boolean drain(TcpConnection connection) {
        byte[] array = scratch.byteArray();
        while (true) {
            int n = connection.read(scratch, 0, array.length);
            if (n < 0) {
                return true;
            }
            if (n == 0) {
                return false;
            }
            if (sha256 != null) {
                sha256.update(array, 0, n);
            }
            int keep = Math.min(n, head.length - headLength);
            if (keep > 0) {
                System.arraycopy(array, 0, head, headLength, keep);
                headLength += keep;
            }
            bytes += n;
        }
    }

    long bytes() {
        return bytes;
    }

    /** The first bytes received, up to the number asked for in {@link #reset}. */
    byte[] head() {
        return Arrays.copyOf(head, headLength);
    }

    /**
     * The SHA-256 of everything received, as hex; ends the digest (call once, then {@link #reset}). Null when
     * not hashing.
     */
    String finishSha256Hex() {
        return sha256 == null ? null : HexFormat.of().formatHex(sha256.digest());
    }
}
