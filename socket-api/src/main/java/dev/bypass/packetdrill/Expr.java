package dev.bypass.packetdrill;

import java.util.List;

/**
 * An argument or result of a system call line: {@code ...}, {@code 3}, {@code SO_REUSEADDR},
 * {@code O_RDWR|O_NONBLOCK}, {@code [1]}, {@code "reno"}, {@code {fd=3, events=POLLIN}},
 * {@code {onoff=1, linger=0}}, {@code msg_iov(1)=[{..., 40}]}.
 */
sealed interface Expr {
    /** {@code ...}: any value (an address, a buffer, a length the call fills in). */
    record Ellipsis() implements Expr {
        @Override
        public String toString() {
            return "...";
        }
    }

    record Int(long value) implements Expr {
        @Override
        public String toString() {
            return Long.toString(value);
        }
    }

    /** A symbolic constant ({@code SOCK_STREAM}) or a field name. */
    record Word(String name) implements Expr {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A string; {@code withEllipsis} for {@code "abc"...}. */
    record Str(String value, boolean withEllipsis) implements Expr {
        @Override
        public String toString() {
            return "\"" + value + "\"" + (withEllipsis ? "..." : "");
        }
    }

    /** {@code [a, b]}: a pointer to a value, or an array. */
    record Bracket(List<Expr> elements) implements Expr {
        @Override
        public String toString() {
            return elements.toString();
        }
    }

    /** {@code {a, b}}: a struct (pollfd, linger, iovec, msghdr). */
    record Brace(List<Expr> elements) implements Expr {
        @Override
        public String toString() {
            String s = elements.toString();
            return "{" + s.substring(1, s.length() - 1) + "}";
        }
    }

    /** {@code a|b}: bitwise or of constants. */
    record Or(Expr left, Expr right) implements Expr {
        @Override
        public String toString() {
            return left + "|" + right;
        }
    }

    /** {@code name=value} inside a struct ({@code fd=3}, {@code msg_iov(1)=[...]}). */
    record Assign(Expr target, Expr value) implements Expr {
        @Override
        public String toString() {
            return target + "=" + value;
        }
    }

    /** {@code name(args)}: {@code inet_addr("1.2.3.4")}, {@code msg_iov(1)}, {@code htons(8080)}. */
    record Call(String name, List<Expr> args) implements Expr {
        @Override
        public String toString() {
            String s = args.toString();
            return name + "(" + s.substring(1, s.length() - 1) + ")";
        }
    }
}
