package dev.bypass.stack.query;

/**
 * The verdict of {@link ConnectQueryMessage#check}: valid, or the first thing wrong with a received
 * datagram. The receiver counts it and drops the datagram (or, for {@link #UNSUPPORTED_VERSION} and a
 * short query, answers with an error); nothing is thrown.
 */
public enum QueryCheck {
    VALID,
    /** Shorter than the common header, or than the fixed part of its message type. */
    TRUNCATED,
    /** The first three bytes are not "BPQ": not this protocol. */
    BAD_MAGIC,
    /** Magic right, version not one this code speaks: the nonce is still at its offset. */
    UNSUPPORTED_VERSION,
    /** A type other than QUERY, REPLY or ERROR. */
    UNKNOWN_TYPE,
    /** A reply whose entries run past the datagram, or whose page and counts contradict each other. */
    BAD_LENGTH,
    /** A query or reply for a transport other than TCP (6) or UDP (17). */
    BAD_PROTOCOL
}
