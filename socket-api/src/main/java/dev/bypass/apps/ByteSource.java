package dev.bypass.apps;

import org.agrona.MutableDirectBuffer;

/**
 * What a {@link TcpSender} sends: a length and any range of the bytes on demand, so a large source needs
 * no memory of its own.
 */
public interface ByteSource {
    /** The number of bytes. */
    long length();

    /** Copies bytes {@code [offset, offset + length)} of the source into {@code destination} at {@code index}. */
    void copy(long offset, MutableDirectBuffer destination, int index, int length);

    /** The first {@code length} bytes of {@link BytePattern}. */
    static ByteSource pattern(long length) {
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        return new ByteSource() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public void copy(long offset, MutableDirectBuffer destination, int index, int n) {
                BytePattern.fill(destination, index, offset, n);
            }
        };
    }

    /** These bytes (not copied: do not change them while they are sent). */
    static ByteSource of(byte[] bytes) {
        return new ByteSource() {
            @Override
            public long length() {
                return bytes.length;
            }

            @Override
            public void copy(long offset, MutableDirectBuffer destination, int index, int n) {
                destination.putBytes(index, bytes, (int) offset, n);
            }
        };
    }
}
