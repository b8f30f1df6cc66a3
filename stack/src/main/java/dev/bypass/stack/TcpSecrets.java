package dev.bypass.stack;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * Keyed hashes for the numbers an off-path attacker must not guess: initial sequence numbers (RFC 6528)
 * and ephemeral port offsets (RFC 6056 algorithm 3), both SipHash-2-4 over the connection's addresses
 * and ports under a secret key drawn at start.
 *
 * <p>RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a timer ticking every
 * 4 microseconds. Timestamps get a per-connection offset from the same hash, as Linux does since 4.10, so
 * they reveal no uptime.
 */
final class TcpSecrets {
    private final long k0;
    private final long k1;
    private final long portK0;
    private final long portK1;

    TcpSecrets(long seed) {
        long[] keys = new long[4];
        if (seed == 0) {
            SecureRandom r = new SecureRandom();
            for (int i = 0; i < keys.length; i++) {
                keys[i] = r.nextLong();
            }
        } else {
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < keys.length; i++) {
                keys[i] = r.nextLong();
            }
        }
        k0 = keys[0];
        k1 = keys[1];
        portK0 = keys[2];
        portK1 = keys[3];
    }

    int isn(int localAddress, int localPort, int remoteAddress, int remotePort, long nowNs) {
        long f = sipHash(k0, k1, ((long) localAddress << 32) | (remoteAddress & 0xFFFF_FFFFL),
            ((long) localPort << 16) | remotePort);
        return (int) (nowNs / 4000) + (int) f;
    }

    int timestampOffset(int localAddress, int localPort, int remoteAddress, int remotePort) {
        return (int) (sipHash(k1, k0, ((long) localAddress << 32) | (remoteAddress & 0xFFFF_FFFFL),
            ((long) localPort << 16) | remotePort) >>> 32);
    }

    /** RFC 6056 algorithm 3: the offset where the search for a free local port starts, per destination. */
    int portOffset(int localAddress, int remoteAddress, int remotePort) {
        return (int) sipHash(portK0, portK1, ((long) localAddress << 32) | (remoteAddress & 0xFFFF_FFFFL), remotePort);
    }

    int hashKey() {
        return (int) (k0 ^ k1 >>> 32);
    }

    /** SipHash-2-4 of two 64-bit words (Aumasson and Bernstein, 2012). */
    static long sipHash(long key0, long key1, long m0, long m1) {
        long v0 = key0 ^ 0x736f6d6570736575L;
        long v1 = key1 ^ 0x646f72616e646f6dL;
        long v2 = key0 ^ 0x6c7967656e657261L;
        long v3 = key1 ^ 0x7465646279746573L;
        // Two message words then the length word (16 bytes << 56); unrolled to avoid an array.
        for (int w = 0; w < 3; w++) {
            long m = w == 0 ? m0 : w == 1 ? m1 : 16L << 56;
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
