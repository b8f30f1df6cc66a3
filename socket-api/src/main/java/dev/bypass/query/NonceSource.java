package dev.bypass.query;

import java.security.SecureRandom;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Unpredictable 64-bit nonces for queries: drawn from {@link SecureRandom} 256 at a time into a reused
 * array, so taking one allocates nothing. An off-path attacker who cannot see the query has a 2^-64 chance
 * per forged reply of guessing its nonce. One thread.
 */
final class NonceSource {
    private static final int BATCH = 256;

    private final SecureRandom random;
    private final byte[] bytes = new byte[BATCH * Long.BYTES];
    private final UnsafeBuffer view = new UnsafeBuffer(bytes);
    private int next = BATCH;

    NonceSource(SecureRandom random) {
        this.random = random;
    }

    NonceSource() {
        this(new SecureRandom());
    }

    long next() {
        if (next == BATCH) {
            random.nextBytes(bytes);
            next = 0;
        }
        return view.getLong(Long.BYTES * next++);
    }
}
