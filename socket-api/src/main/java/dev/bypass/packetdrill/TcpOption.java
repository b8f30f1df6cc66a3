package dev.bypass.packetdrill;

import java.util.List;

/**
 * One TCP option as a script writes it ({@code mss 1460}, {@code sackOK}, {@code TS val 100 ecr 0},
 * {@code sack 1:1001 2001:3001}, {@code nop}, {@code eol}) and as {@link SegmentFormat} prints it.
 * Options bypass cannot build or check (MD5, Fast Open, AccECN) parse to {@link Unsupported}.
 */
sealed interface TcpOption {
    int KIND_EOL = 0;
    int KIND_NOP = 1;
    int KIND_MSS = 2;
    int KIND_WINDOW_SCALE = 3;
    int KIND_SACK_PERMITTED = 4;
    int KIND_SACK = 5;
    int KIND_TIMESTAMP = 8;

    /** The option's kind byte (RFC 9293 3.1). */
    int kind();

    /** Bytes the option takes on the wire, kind and length included. */
    int length();

    record Eol() implements TcpOption {
        public int kind() {
            return KIND_EOL;
        }

        public int length() {
            return 1;
        }

        @Override
        public String toString() {
            return "eol";
        }
    }

    record Nop() implements TcpOption {
        public int kind() {
            return KIND_NOP;
        }

        public int length() {
            return 1;
        }

        @Override
        public String toString() {
            return "nop";
        }
    }

    record Mss(int bytes) implements TcpOption {
        public int kind() {
            return KIND_MSS;
        }

        public int length() {
            return 4;
        }

        @Override
        public String toString() {
            return "mss " + bytes;
        }
    }

    record WindowScale(int shift) implements TcpOption {
        public int kind() {
            return KIND_WINDOW_SCALE;
        }

        public int length() {
            return 3;
        }

        @Override
        public String toString() {
            return "wscale " + shift;
        }
    }

    record SackPermitted() implements TcpOption {
        public int kind() {
            return KIND_SACK_PERMITTED;
        }

        public int length() {
            return 2;
        }

        @Override
        public String toString() {
            return "sackOK";
        }
    }

    /** SACK blocks as (left, right) pairs of unsigned 32-bit sequence numbers. */
    record Sack(List<long[]> blocks) implements TcpOption {
        public int kind() {
            return KIND_SACK;
        }

        public int length() {
            return 2 + 8 * blocks.size();
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Sack other) || other.blocks.size() != blocks.size()) {
                return false;
            }
            for (int i = 0; i < blocks.size(); i++) {
                if (blocks.get(i)[0] != other.blocks.get(i)[0] || blocks.get(i)[1] != other.blocks.get(i)[1]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return blocks.size();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("sack");
            for (long[] b : blocks) {
                sb.append(' ').append(b[0]).append(':').append(b[1]);
            }
            return sb.toString();
        }
    }

    /** Timestamps (RFC 7323): both values unsigned 32-bit. */
    record Timestamp(long val, long ecr) implements TcpOption {
        public int kind() {
            return KIND_TIMESTAMP;
        }

        public int length() {
            return 10;
        }

        @Override
        public String toString() {
            return "TS val " + val + " ecr " + ecr;
        }
    }

    /** An option bypass does not model (md5, FO, FOEXP, ECN); a script using it skips. */
    record Unsupported(String name, int kind, int length) implements TcpOption {
        @Override
        public String toString() {
            return name;
        }
    }

    /** An option seen on the wire that has no script form (unknown kind); printed as packetdrill would fail to. */
    record Raw(int kind, int length) implements TcpOption {
        @Override
        public String toString() {
            return "unknown option kind " + kind;
        }
    }
}
