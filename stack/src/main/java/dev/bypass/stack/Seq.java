package dev.bypass.stack;

/**
 * TCP sequence number arithmetic modulo 2^32 (RFC 9293 section 3.4): comparisons by the sign of the
 * 32-bit difference, valid while the numbers compared are less than 2^31 apart.
 */
public final class Seq {
    private Seq() {
    }

    public static boolean lt(int a, int b) {
        return a - b < 0;
    }

    public static boolean le(int a, int b) {
        return a - b <= 0;
    }

    public static boolean gt(int a, int b) {
        return a - b > 0;
    }

    public static boolean ge(int a, int b) {
        return a - b >= 0;
    }

    /** {@code low <= x < high}. */
    public static boolean inRange(int x, int low, int high) {
        return x - low >= 0 && x - high < 0;
    }

    public static int max(int a, int b) {
        return a - b >= 0 ? a : b;
    }

    public static int min(int a, int b) {
        return a - b <= 0 ? a : b;
    }
}
