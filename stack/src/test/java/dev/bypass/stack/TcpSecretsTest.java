package dev.bypass.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** RFC 6528 initial sequence numbers and RFC 6056 port offsets. */
class TcpSecretsTest {
    @Test
    void siphash_matches_the_reference_vector() {
        // SipHash-2-4 reference (Aumasson, Bernstein): key 00..0f, message 00..0f (16 bytes) -> 0x3f2acc7f57c29bdb.
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        long m0 = 0x0706050403020100L;
        long m1 = 0x0f0e0d0c0b0a0908L;
        assertEquals(0x3f2acc7f57c29bdbL, TcpSecrets.sipHash(k0, k1, m0, m1));
    }

    @Test
    void isn_advances_with_a_4_microsecond_clock_and_differs_per_connection() {
        TcpSecrets s = new TcpSecrets(99);
        int a = s.isn(1, 80, 2, 40000, 0);
        assertEquals(a + 250, s.isn(1, 80, 2, 40000, 1_000_000), "1 ms later: 250 ticks of 4 us");
        assertNotEquals(a, s.isn(1, 80, 2, 40001, 0), "another tuple, another offset");
        assertNotEquals(a, new TcpSecrets(100).isn(1, 80, 2, 40000, 0), "another secret, another offset");
    }
}
