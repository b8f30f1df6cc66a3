package dev.bypass.bench.e2e;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * One non-blocking client connection as the side-by-side loops see it, whatever carries it (a kernel socket,
 * a bypass connection on the poll thread, a bypass ring-handoff socket). Implementations must not allocate.
 */
interface ClientIo {
    /** Writes up to {@code length} bytes of {@link Pattern#buffer} from {@code patternOffset}: the bytes written, maybe 0. */
    int write(int patternOffset, int length) throws IOException;

    /** Reads up to {@code max} bytes into {@link #received()} at 0: the bytes read, 0 if none, -1 at end of stream. */
    int read(int max) throws IOException;

    /** Where {@link #read} puts the bytes. */
    MemorySegment received();

    /** Sends a FIN after what was written. */
    void shutdownOutput() throws IOException;
}
