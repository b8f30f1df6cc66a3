package dev.bypass.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Whole runs: the runner's own scripts, and small scripts for each way a run can end. */
class PacketdrillRunnerTest {
    private static final Path RUNNER_SCRIPTS = Path.of("src/test/packetdrill/runner");

    private static final String PASSIVE_OPEN = """
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
        +0 bind(3, ..., ...) = 0
        +0 listen(3, 1) = 0
        +0 < S 0:0(0) win 65535 <mss 1460,nop,wscale 7>
        +0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 7>
        +.01 < . 1:1(0) ack 1 win 257
        +0 accept(3, ..., ...) = 4
        """;

    private static Result run(String text) {
        return PacketdrillRunner.run(Path.of("t.pkt"), text);
    }

    private static void assertResult(Result r, Result.Status status, String reasonPart) {
        assertEquals(status, r.status(), r.message());
        assertTrue(r.reason().contains(reasonPart), r.message());
    }

    @Test
    void a_wrong_expectation_fails_with_packetdrills_message() {
        Path script = RUNNER_SCRIPTS.resolve("wrong-expectation.pkt");
        Result r = PacketdrillRunner.run(script);
        assertEquals(Result.Status.FAIL, r.status(), r.message());
        assertEquals(script + ":11: error handling packet: bad value in outbound TCP option (kind=3): expected:"
            + " wscale 6 actual: wscale 7", r.reason());
        assertEquals("""
            script packet:  0.000000 S. 0:0(0) ack 1 <mss 1460,nop,wscale 6>
            actual packet:  0.000000 S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>""", r.details());
    }

    @Test
    void unknown_python_skips_naming_the_statement() {
        Result r = PacketdrillRunner.run(RUNNER_SCRIPTS.resolve("unknown-python.pkt"));
        assertEquals(Result.Status.SKIP, r.status(), r.message());
        assertEquals("line 12: python import: `import math`", r.reason());
    }

    @Test
    void the_runners_own_scripts_pass() {
        for (String name : List.of("passive-open-data-close.pkt", "active-open-nonblocking.pkt",
            "active-open-timestamps.pkt", "closed-port-reset.pkt", "tcp-info-assertions.pkt",
            "python-variables.pkt")) {
            Result r = PacketdrillRunner.run(RUNNER_SCRIPTS.resolve(name));
            assertEquals(Result.Status.PASS, r.status(), name + ": " + r.message());
        }
    }

    @Test
    void python_names_live_for_the_run_and_print_goes_to_the_trace() {
        List<String> trace = new ArrayList<>();
        Result r = PacketdrillRunner.run(RUNNER_SCRIPTS.resolve("python-variables.pkt"), trace::add);
        assertEquals(Result.Status.PASS, r.status(), r.message());
        assertTrue(trace.contains("python print:  0.020000 line 19: acked 1000 in 1 segment"), trace.toString());

        // A later block that reads a name with a value that no longer holds fails, naming the value.
        assertResult(run(PASSIVE_OPEN + """
            +0 %{ cwnd = tcpi_snd_cwnd }%
            +0 %{ assert cwnd == 11, cwnd }%
            """), Result.Status.FAIL, "t.pkt:10: assertion failed: `cwnd == 11`: AssertionError: 10 [cwnd=10]");
        // A name read before any block assigned it skips the script before it runs, naming the line.
        assertResult(run(PASSIVE_OPEN + """
            +0 %{ assert cwnd == 10 }%
            +0 %{ cwnd = tcpi_snd_cwnd }%
            """), Result.Status.SKIP, "line 9: python variable or name `cwnd`");
    }

    @Test
    void a_segment_the_script_does_not_expect_fails_the_next_expectation() {
        Result r = run(PASSIVE_OPEN + """
            +0 write(4, ..., 100) = 100
            +.1 > . 1:1(0) ack 1
            """);
        assertResult(r, Result.Status.FAIL, "t.pkt:10: error handling packet: live packet payload: expected 0 bytes vs"
            + " actual 100 bytes");
        assertTrue(r.details().contains("actual packet:  0.010000 P. 1:101(100) ack 1"), r.details());
    }

    @Test
    void a_segment_that_never_comes_times_out() {
        Result r = run(PASSIVE_OPEN + "+.1 > P. 1:101(100) ack 1\n");
        assertResult(r, Result.Status.FAIL, "t.pkt:9: error handling packet: Timed out waiting for packet");
    }

    @Test
    void system_call_results_and_errno_are_checked() {
        assertResult(run(PASSIVE_OPEN + "+0 read(4, ..., 10) = 0\n"), Result.Status.FAIL,
            "runtime error in read call: the call blocks and does not return");
        assertResult(run(PASSIVE_OPEN + "+0 fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n"
            + "+0 read(4, ..., 10) = -1 EINTR (Interrupted)\n"), Result.Status.FAIL,
            "Expected errno 4 (Interrupted system call) but got 11 (Resource temporarily unavailable)");
        assertResult(run(PASSIVE_OPEN + "+0 close(9) = 0\n"), Result.Status.FAIL,
            "runtime error in close call: unable to find socket with script fd 9");
    }

    @Test
    void a_blocking_call_returns_when_it_can_and_its_end_time_is_checked() {
        String accept = """
            0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
            +0 bind(3, ..., ...) = 0
            +0 listen(3, 1) = 0
            +0...0.%s accept(3, ..., ...) = 4
            +.1 < S 0:0(0) win 65535 <mss 1460>
            +0 > S. 0:0(0) ack 1 <mss 1460>
            +.1 < . 1:1(0) ack 1 win 257
            """;
        assertEquals(Result.Status.PASS, run(accept.formatted("200")).status());
        assertResult(run(accept.formatted("100")), Result.Status.FAIL, "t.pkt:4: timing error: expected system call"
            + " return at 0.100000 sec but happened at 0.200000 sec");
        assertResult(run(accept.formatted("300").replace("+.1 < . 1:1(0) ack 1 win 257\n", "")),
            Result.Status.FAIL, "t.pkt:4: runtime error: exiting while a blocking system call is in progress");
    }

    @Test
    void socket_options_are_read_back_as_linux_reports_them() {
        assertEquals(Result.Status.PASS, run(PASSIVE_OPEN + """
            +0 setsockopt(4, SOL_SOCKET, SO_SNDBUF, [21000], 4) = 0
            +0 getsockopt(4, SOL_SOCKET, SO_SNDBUF, [42000], [4]) = 0
            +0 getsockopt(4, SOL_TCP, TCP_MAXSEG, [1460], [4]) = 0
            +0 setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0
            +0 getsockopt(4, SOL_TCP, TCP_NODELAY, [1], [4]) = 0
            +0 getsockopt(4, SOL_TCP, TCP_CONGESTION, "cubic", [5]) = 0
            +0 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
            +0 getsockopt(4, SOL_TCP, TCP_INFO, [1], [4]) = 0
            +0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [536], [4]) = 0
            +0 ioctl(4, SIOCINQ, [0]) = 0
            """).status());
        assertResult(run(PASSIVE_OPEN + "+0 getsockopt(4, SOL_TCP, TCP_MAXSEG, [1000], [4]) = 0\n"),
            Result.Status.FAIL, "Bad getsockopt optval: expected: 1000 actual: 1460");
    }

    @Test
    void poll_blocks_until_its_timeout_or_an_event() {
        assertEquals(Result.Status.PASS, run(PASSIVE_OPEN + """
            +0...0.050 poll([{fd=4, events=POLLIN, revents=0}], 1, 50) = 0
            +.1...0.120 poll([{fd=4, events=POLLIN, revents=POLLIN}], 1, 1000) = 1
            +.02 < P. 1:11(10) ack 1 win 257
            """).status());
        assertResult(run(PASSIVE_OPEN + "+0...0.010 poll([{fd=4, events=POLLIN, revents=0}], 1, 30) = 0\n"),
            Result.Status.FAIL, "t.pkt:9: timing error: expected system call return at 0.020000 sec but happened at"
            + " 0.040000 sec");
    }

    @Test
    void relative_times_follow_the_previous_event_and_tolerance_grows_with_the_gap() {
        // The FIN goes out 0.5 s after close: +0.5 from the close passes; with 12.5% of 0.5 s as tolerance,
        // 60 ms late still passes, 70 ms does not.
        String script = PASSIVE_OPEN + """
            +.%s close(4) = 0
            +0 > F. 1:1(0) ack 1
            """;
        assertEquals(Result.Status.PASS, run(script.formatted("5")).status());
        String late = PASSIVE_OPEN + "+.5 close(4) = 0\n%s > F. 1:1(0) ack 1\n";
        assertEquals(Result.Status.PASS, run(late.formatted("+0")).status());
        assertResult(run(late.formatted("0.45")), Result.Status.FAIL, "timing error");
    }

    @Test
    void what_bypass_cannot_do_skips_never_passes() {
        List<String> skipped = new ArrayList<>();
        for (String[] c : new String[][] {
            {"+0 < S 0:0(0) win 1 <FO abcd,nop,nop>", "TCP Fast Open option"},
            {"+0 < udp (100)", "udp packets"},
            {"+0 setsockopt(4, SOL_TCP, TCP_QUICKACK, [1], 4) = 0", "TCP_QUICKACK"},
            {"+0 send(4, ..., 40, MSG_OOB) = 40", "MSG_OOB"},
            {"+0 send(4, ..., 40, MSG_ZEROCOPY) = 40", "MSG_ZEROCOPY"},
            {"+0 setsockopt(4, SOL_TCP, TCP_MD5SIG, [1], 4) = 0", "TCP_MD5SIG"},
            {"+0 setsockopt(4, SOL_SOCKET, SO_TIMESTAMPING, [1], 4) = 0", "SO_TIMESTAMPING"},
            {"+0 epoll_create(1) = 5", "epoll_create"},
            {"+0 `tc qdisc replace dev tun0 root netem delay 10ms`", "tc qdisc"},
            {"+0 %{ import os }%", "python import"},
        }) {
            Result r = run(PASSIVE_OPEN + c[0] + "\n");
            assertResult(r, Result.Status.SKIP, c[1]);
            skipped.add(r.reason());
        }
        assertResult(run("--ip_version=ipv6\n" + PASSIVE_OPEN), Result.Status.SKIP, "IPv4 scripts only");
        assertResult(run("`sysctl -q net.ipv4.tcp_wobble=1`\n" + PASSIVE_OPEN), Result.Status.SKIP, "tcp_wobble");
        assertEquals(10, skipped.size());
    }

    @Test
    void tcp_cork_and_msg_more_run_as_on_linux() {
        // Corked, a small write waits with nothing in flight until uncorked; a MSG_MORE write waits until a
        // write without it, which pushes both (PSH at its end).
        Result r = run(PASSIVE_OPEN + """
            +0 setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = 0
            +0 getsockopt(4, SOL_TCP, TCP_CORK, [1], [4]) = 0
            +0 write(4, ..., 40) = 40
            +.05 setsockopt(4, SOL_TCP, TCP_CORK, [0], 4) = 0
            +0 > P. 1:41(40) ack 1
            +0 getsockopt(4, SOL_TCP, TCP_CORK, [0], [4]) = 0
            +.01 < . 1:1(0) ack 41 win 257
            +0 send(4, ..., 40, MSG_MORE) = 40
            +.05 write(4, ..., 10) = 10
            +0 > P. 41:91(50) ack 1
            """);
        assertEquals(Result.Status.PASS, r.status(), r.message());
        // Scripts that expect the held data at once fail: it goes one RTO later (the probe timer).
        assertResult(run(PASSIVE_OPEN + """
            +0 setsockopt(4, SOL_TCP, TCP_CORK, [1], 4) = 0
            +0 write(4, ..., 40) = 40
            +0 > P. 1:41(40) ack 1
            """), Result.Status.FAIL, "timing error");
        assertResult(run(PASSIVE_OPEN + """
            +0 sendmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 40}], msg_flags=0}, MSG_MORE) = 40
            +0 > P. 1:41(40) ack 1
            """), Result.Status.FAIL, "timing error");
    }

    @Test
    void scripts_that_do_not_parse_or_start_late_fail() {
        assertResult(run("0 < . 1:1001(999) ack 1 win 1\n"), Result.Status.FAIL,
            "t.pkt:1: syntax error: inconsistent TCP sequence numbers");
        assertResult(run("1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"), Result.Status.FAIL,
            "first event should be at time 0");
        assertResult(run("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n0.2 close(3) = 0\n0.1 close(3) = 0\n"),
            Result.Status.FAIL, "time goes backward in script from 200000 usec to 100000 usec");
    }

    @Test
    void a_trace_shows_each_packet_and_call() {
        List<String> trace = new ArrayList<>();
        PacketdrillRunner.run(Path.of("t.pkt"), PASSIVE_OPEN, trace::add);
        assertTrue(trace.contains("inbound injected packet:  0.000000 S 0:0(0) win 65535 <mss 1460,nop,wscale 7>"),
            trace.toString());
        assertTrue(trace.contains(
            "outbound sniffed packet:  0.000000 S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>"),
            trace.toString());
        assertTrue(trace.contains("accept returned:  0.010000 4"), trace.toString());
    }
}
