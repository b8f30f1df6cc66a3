package dev.bypass.packetdrill;

/**
 * When an event happens, as the script wrote it, in microseconds: {@code 0.1} (absolute), {@code +0.1}
 * (relative to the previous event), {@code *} (any time, outbound packets only), {@code 0.1~0.2} and
 * {@code +0.1~+0.2} (a range, outbound packets only).
 */
record EventTime(Kind kind, long usecs, long endUsecs) {
    enum Kind { ABSOLUTE, RELATIVE, ANY, ABSOLUTE_RANGE, RELATIVE_RANGE }

    static final long NO_END = -1;

    boolean relative() {
        return kind == Kind.RELATIVE || kind == Kind.RELATIVE_RANGE || kind == Kind.ANY;
    }

    boolean range() {
        return kind == Kind.ABSOLUTE_RANGE || kind == Kind.RELATIVE_RANGE;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ABSOLUTE -> Units.seconds(usecs);
            case RELATIVE -> "+" + Units.seconds(usecs);
            case ANY -> "*";
            case ABSOLUTE_RANGE -> Units.seconds(usecs) + "~" + Units.seconds(endUsecs);
            case RELATIVE_RANGE -> "+" + Units.seconds(usecs) + "~+" + Units.seconds(endUsecs);
        };
    }
}
