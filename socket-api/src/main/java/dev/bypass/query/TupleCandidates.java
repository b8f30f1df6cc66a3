package dev.bypass.query;

/**
 * The valid bypass tuples of one public tuple, as a {@link TuplePolicy} sees them: indexed 0..count-1,
 * primitive accessors (no object per tuple). Addresses are IPv4 as an int, most significant byte first.
 */
public interface TupleCandidates {
    int count();

    int address(int i);

    int port(int i);

    int resourceId(int i);

    /** 0 (idle) .. 65535 (full), as the service last published it. */
    int loadHint(int i);
}
