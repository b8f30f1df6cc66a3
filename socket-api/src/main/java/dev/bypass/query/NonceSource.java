package dev.bypass.query;

import java.security.SecureRandom;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Unpredictable 64-bit nonces for queries: drawn from a {@link SecureRandom} 256 at a time into a reused
 * array, so taking one allocates (almost) nothing. An off-path attacker who cannot see the query has a 2^-64 chance
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

    /**
     * With the JDK's DRBG (NIST SP 800-90A, seeded by the system): a 2048-byte fill allocates some 224
     * bytes, where the default NativePRNG allocates some 6 KB (about 24 bytes a query).
     */
    NonceSource() {
        this(drbg());
    }

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (java.security.NoSuchAlgorithmException e) {
            return new SecureRandom(); // every JDK since 9 has DRBG; keep working if one does not
        }
    }

    long next() {
        if (next == BATCH) {
            random.nextBytes(bytes);
            next = 0;
        }
        return view.getLong(Long.BYTES * next++);
    }
}
