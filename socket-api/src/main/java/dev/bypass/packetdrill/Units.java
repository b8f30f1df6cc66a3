package dev.bypass.packetdrill;

import java.util.Locale;

/** Time formatting shared by messages: packetdrill prints seconds with six decimals. */
final class Units {
    private Units() {
    }

    /** {@code 100000} µs as {@code "0.100000"}. */
    static String seconds(long usecs) {
        return String.format(Locale.ROOT, "%.6f", usecs / 1e6);
    }

    /** As packetdrill's {@code %9.6f}: {@code " 0.100000"}. */
    static String paddedSeconds(long usecs) {
        return String.format(Locale.ROOT, "%9.6f", usecs / 1e6);
    }
}
