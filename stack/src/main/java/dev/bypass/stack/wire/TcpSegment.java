package dev.bypass.stack.wire;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A parsed TCP segment: header fields and options as plain values, with the payload's place in the
 * buffer. One instance per thread, reused for every segment ({@link #parse} overwrites all of it).
 * {@link #emitOptions} writes options in the order Linux uses, so captures look familiar.
 *
 * <p>Options (RFC 9293 3.1, RFC 7323, RFC 2018): EOL(0), NOP(1), MSS(2, len 4), window scale(3, len 3),
 * SACK-permitted(4, len 2), SACK(5, len 2+8n), timestamps(8, len 10). Unknown options are skipped by
 * their length. An option whose length is impossible ends parsing: the options before it count, the rest
 * are ignored and {@link #badOptions} is set (Linux does the same; RFC 9293 asks that it not crash).
 */
public final class TcpSegment {
    public static final int OPTION_EOL = 0;
    public static final int OPTION_NOP = 1;
    public static final int OPTION_MSS = 2;
    public static final int OPTION_WINDOW_SCALE = 3;
    public static final int OPTION_SACK_PERMITTED = 4;
    public static final int OPTION_SACK = 5;
    public static final int OPTION_TIMESTAMPS = 8;
    public static final int MAX_SACK_BLOCKS = 4;

    public int sourcePort;
    public int destinationPort;
    public int seq;
    public int ack;
    public int flags;
    /** Window field as sent (not scaled). */
    public int window;
    public int urgentPointer;
    public int headerLength;
    public int payloadOffset;
    public int payloadLength;

    /** MSS option value, or -1 if absent. */
    public int mss;
    /** Window scale shift, or -1 if absent. */
    public int windowScale;
    public boolean sackPermitted;
    public boolean hasTimestamps;
    public int tsVal;
    public int tsEcr;
    public int sackBlockCount;
    /** SACK blocks as (left, right) pairs. */
    public final int[] sackBlocks = new int[MAX_SACK_BLOCKS * 2];
    public boolean badOptions;

    /**
     * Reads the segment at {@code offset}, {@code length} bytes long (header and payload). Returns false
     * (and reads nothing further) if the data offset is below 5 or runs past the segment.
     */
    public boolean parse(DirectBuffer buffer, int offset, int length) {
        if (length < TcpHeader.MIN_LENGTH) {
            return false;
        }
        headerLength = ((buffer.getByte(offset + TcpHeader.DATA_OFFSET_OFFSET) >> 4) & 0xF) * 4;
        if (headerLength < TcpHeader.MIN_LENGTH || headerLength > length) {
            return false;
        }
        sourcePort = buffer.getShort(offset + TcpHeader.SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
        destinationPort = buffer.getShort(offset + TcpHeader.DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
        seq = buffer.getInt(offset + TcpHeader.SEQUENCE_OFFSET, BIG_ENDIAN);
        ack = buffer.getInt(offset + TcpHeader.ACKNOWLEDGMENT_OFFSET, BIG_ENDIAN);
        flags = buffer.getByte(offset + TcpHeader.FLAGS_OFFSET) & 0xFF;
        window = buffer.getShort(offset + TcpHeader.WINDOW_OFFSET, BIG_ENDIAN) & 0xFFFF;
        urgentPointer = buffer.getShort(offset + TcpHeader.URGENT_POINTER_OFFSET, BIG_ENDIAN) & 0xFFFF;
        payloadOffset = offset + headerLength;
        payloadLength = length - headerLength;
        parseOptions(buffer, offset + TcpHeader.OPTIONS_OFFSET, headerLength - TcpHeader.MIN_LENGTH);
        return true;
    }

    private void parseOptions(DirectBuffer buffer, int offset, int length) {
        mss = -1;
        windowScale = -1;
        sackPermitted = false;
        hasTimestamps = false;
        tsVal = 0;
        tsEcr = 0;
        sackBlockCount = 0;
        badOptions = false;
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int kind = buffer.getByte(i) & 0xFF;
            if (kind == OPTION_EOL) {
                return;
            }
            if (kind == OPTION_NOP) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                badOptions = true;
                return;
            }
            int len = buffer.getByte(i + 1) & 0xFF;
            if (len < 2 || i + len > end) {
                badOptions = true;
                return;
            }
            switch (kind) {
                case OPTION_MSS -> {
                    if (len == 4) {
                        mss = buffer.getShort(i + 2, BIG_ENDIAN) & 0xFFFF;
                    }
                }
                case OPTION_WINDOW_SCALE -> {
                    if (len == 3) {
                        windowScale = buffer.getByte(i + 2) & 0xFF;
                    }
                }
                case OPTION_SACK_PERMITTED -> {
                    if (len == 2) {
                        sackPermitted = true;
                    }
                }
                case OPTION_SACK -> {
                    if ((len - 2) % 8 == 0) {
                        int n = Math.min((len - 2) / 8, MAX_SACK_BLOCKS);
                        for (int b = 0; b < n; b++) {
                            sackBlocks[2 * b] = buffer.getInt(i + 2 + 8 * b, BIG_ENDIAN);
                            sackBlocks[2 * b + 1] = buffer.getInt(i + 6 + 8 * b, BIG_ENDIAN);
                        }
                        sackBlockCount = n;
                    }
                }
                case OPTION_TIMESTAMPS -> {
                    if (len == 10) {
                        hasTimestamps = true;
                        tsVal = buffer.getInt(i + 2, BIG_ENDIAN);
                        tsEcr = buffer.getInt(i + 6, BIG_ENDIAN);
                    }
                }
                default -> {
                    // Unknown option: skipped by its length (RFC 9293 3.1, MUST-6).
                }
            }
            i += len;
        }
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Sequence space the segment occupies: payload plus one for SYN and one for FIN (RFC 9293 3.4). */
    public int sequenceLength() {
        return payloadLength + ((flags & TcpHeader.SYN) != 0 ? 1 : 0) + ((flags & TcpHeader.FIN) != 0 ? 1 : 0);
    }

    /** Bytes {@link #emitOptions} writes for these choices (a multiple of 4). */
    public static int optionsLength(boolean mss, boolean windowScale, boolean sackPermitted, boolean timestamps,
                                    int sackBlocks) {
        int n = 0;
        if (mss) {
            n += 4;
        }
        if (timestamps) {
            n += 12; // sackOK(2) TS(10), or NOP NOP TS(10)
        } else if (sackPermitted) {
            n += 4; // NOP NOP sackOK
        }
        if (windowScale) {
            n += 4; // NOP wscale
        }
        if (sackBlocks > 0) {
            n += 4 + 8 * sackBlocks; // NOP NOP SACK
        }
        return n;
    }

    /**
     * Writes options at {@code offset} in Linux's order (MSS, sackOK+TS or NOP NOP TS, NOP wscale, NOP NOP
     * SACK blocks) and returns the bytes written. Negative {@code mss}/{@code windowScale} leave them out.
     */
    public static int emitOptions(MutableDirectBuffer buffer, int offset, int mss, int windowScale, boolean sackPermitted,
                                  boolean timestamps, int tsVal, int tsEcr, int[] sackBlocks, int sackBlockCount) {
        int i = offset;
        if (mss >= 0) {
            buffer.putByte(i, (byte) OPTION_MSS);
            buffer.putByte(i + 1, (byte) 4);
            buffer.putShort(i + 2, (short) mss, BIG_ENDIAN);
            i += 4;
        }
        if (timestamps) {
            if (sackPermitted) {
                buffer.putByte(i, (byte) OPTION_SACK_PERMITTED);
                buffer.putByte(i + 1, (byte) 2);
            } else {
                buffer.putByte(i, (byte) OPTION_NOP);
                buffer.putByte(i + 1, (byte) OPTION_NOP);
            }
            buffer.putByte(i + 2, (byte) OPTION_TIMESTAMPS);
            buffer.putByte(i + 3, (byte) 10);
            buffer.putInt(i + 4, tsVal, BIG_ENDIAN);
            buffer.putInt(i + 8, tsEcr, BIG_ENDIAN);
            i += 12;
        } else if (sackPermitted) {
            buffer.putByte(i, (byte) OPTION_NOP);
            buffer.putByte(i + 1, (byte) OPTION_NOP);
            buffer.putByte(i + 2, (byte) OPTION_SACK_PERMITTED);
            buffer.putByte(i + 3, (byte) 2);
            i += 4;
        }
        if (windowScale >= 0) {
            buffer.putByte(i, (byte) OPTION_NOP);
            buffer.putByte(i + 1, (byte) OPTION_WINDOW_SCALE);
            buffer.putByte(i + 2, (byte) 3);
            buffer.putByte(i + 3, (byte) windowScale);
            i += 4;
        }
        if (sackBlockCount > 0) {
            buffer.putByte(i, (byte) OPTION_NOP);
            buffer.putByte(i + 1, (byte) OPTION_NOP);
            buffer.putByte(i + 2, (byte) OPTION_SACK);
            buffer.putByte(i + 3, (byte) (2 + 8 * sackBlockCount));
            for (int b = 0; b < sackBlockCount; b++) {
                buffer.putInt(i + 4 + 8 * b, sackBlocks[2 * b], BIG_ENDIAN);
                buffer.putInt(i + 8 + 8 * b, sackBlocks[2 * b + 1], BIG_ENDIAN);
            }
            i += 4 + 8 * sackBlockCount;
        }
        return i - offset;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(sourcePort).append('>').append(destinationPort).append(' ')
            .append(TcpHeader.flagsToString(flags)).append(" seq=").append(Integer.toUnsignedString(seq));
        if (has(TcpHeader.ACK)) {
            sb.append(" ack=").append(Integer.toUnsignedString(ack));
        }
        sb.append(" win=").append(window).append(" len=").append(payloadLength);
        if (mss >= 0) {
            sb.append(" mss=").append(mss);
        }
        if (windowScale >= 0) {
            sb.append(" wscale=").append(windowScale);
        }
        if (sackPermitted) {
            sb.append(" sackOK");
        }
        if (hasTimestamps) {
            sb.append(" TS val ").append(Integer.toUnsignedString(tsVal)).append(" ecr ").append(Integer.toUnsignedString(tsEcr));
        }
        for (int b = 0; b < sackBlockCount; b++) {
            sb.append(" sack ").append(Integer.toUnsignedString(sackBlocks[2 * b])).append(':')
                .append(Integer.toUnsignedString(sackBlocks[2 * b + 1]));
        }
        return sb.toString();
    }
}
