package dev.bypass.cli;

import picocli.CommandLine;

/** Parses sizes and rates with k/m/g suffixes (powers of 1024 for bytes, of 1000 for bits per second). */
final class Sizes {
    private Sizes() {
    }

    static long parse(String text, long unit) {
        String t = text.trim().toLowerCase();
        long multiplier = 1;
        if (t.endsWith("ib") || t.endsWith("b")) {
            t = t.substring(0, t.length() - (t.endsWith("ib") ? 2 : 1));
        }
        if (!t.isEmpty()) {
            char last = t.charAt(t.length() - 1);
            switch (last) {
                case 'k' -> multiplier = unit;
                case 'm' -> multiplier = unit * unit;
                case 'g' -> multiplier = unit * unit * unit;
                default -> multiplier = 1;
            }
            if (multiplier != 1) {
                t = t.substring(0, t.length() - 1);
            }
        }
        try {
            double v = Double.parseDouble(t);
            if (v < 0) {
                throw new CommandLine.TypeConversionException("must not be negative: '" + text + "'");
            }
            return (long) (v * multiplier);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("not a size (e.g. 64M, 1G, 512k): '" + text + "'");
        }
    }

    /** Bytes: 64M = 64 MiB. */
    static final class Bytes implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parse(value, 1024);
        }
    }

    /** Bits per second: 10g = 10 Gbit/s. */
    static final class Rate implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parse(value, 1000);
        }
    }
}
