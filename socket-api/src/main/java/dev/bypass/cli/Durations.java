package dev.bypass.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Parses durations: 500ms, 1s, 1.5s, 2m, 1h; a bare number is seconds. */
final class Durations implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String t = value.strip().toLowerCase(Locale.ROOT);
        double unitNs;
        String number;
        if (t.endsWith("ms")) {
            unitNs = 1e6;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("us")) {
            unitNs = 1e3;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            unitNs = 1e9;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unitNs = 60e9;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            unitNs = 3600e9;
            number = t.substring(0, t.length() - 1);
        } else {
            unitNs = 1e9;
            number = t;
        }
        try {
            double v = Double.parseDouble(number);
            if (v < 0 || Double.isNaN(v) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos((long) (v * unitNs));
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("not a duration (e.g. 500ms, 1s, 2m): '" + value + "'");
        }
    }
}
