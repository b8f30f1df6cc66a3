package dev.bypass.cli;

import dev.bypass.apps.BytePattern;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bypass pattern SIZE}: the bytes bypass's services send ({@code GET /bytes/N}, {@code send}), on stdout
 * or as their SHA-256, so a kernel-side script checks what it received (or feeds the echo service) without a
 * copy of the data.
 */
@Command(name = "pattern", mixinStandardHelpOptions = true,
    description = {"Write the first SIZE bytes of the pattern bypass's services send (GET /bytes/N, send) to stdout,",
        "or print their SHA-256: for checking transfers from kernel tools (curl | sha256sum, nc)."})
final class PatternCommand implements Callable<Integer> {
    private static final int CHUNK = 1 << 20;

    @Parameters(index = "0", converter = Sizes.Bytes.class, paramLabel = "SIZE", description = "bytes (64M, 1G, ...)")
    long bytes;

    @Option(names = "--sha256", description = "print the SHA-256 (64 hex digits) instead of the bytes")
    boolean sha256;

    private final PrintStream out;

    PatternCommand() {
        this(System.out);
    }

    PatternCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        if (sha256) {
            out.println(BytePattern.sha256Hex(bytes));
            return 0;
        }
        write(out, bytes);
        out.flush();
        return 0;
    }

    /** Writes the first {@code length} pattern bytes to {@code sink}. */
    static void write(OutputStream sink, long length) throws IOException {
        byte[] chunk = new byte[CHUNK];
        UnsafeBuffer view = new UnsafeBuffer(chunk);
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(CHUNK, length - done);
            BytePattern.fill(view, 0, done, n);
            sink.write(chunk, 0, n);
            done += n;
        }
    }
}
