package dev.bypass.packetdrill;

/**
 * One line of a script's body: a time and what happens then.
 *
 * @param line   the script line the event starts on (messages name it)
 * @param time   when, as written
 * @param action what: a segment injected or expected, a system call, a command, a code block
 */
record Event(int line, EventTime time, Action action) {
    /** What an event does. */
    sealed interface Action {
    }

    /** A {@code <} or {@code >} TCP segment. */
    record Packet(PacketSpec spec) implements Action {
    }

    /** A UDP, ICMP or encapsulated packet line: parsed so the script reads, then skipped. */
    record UnsupportedPacket(String what) implements Action {
    }

    record Syscall(SyscallSpec spec) implements Action {
    }

    /** A backquoted shell command in the body ({@code +0 `tc qdisc ...`}). */
    record Command(String commandLine) implements Action {
    }

    /** A {@code %{ ... }%} python block. */
    record Code(String text) implements Action {
    }
}
