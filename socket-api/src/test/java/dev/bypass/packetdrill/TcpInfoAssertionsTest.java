package dev.bypass.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.bypass.stack.TcpInfo;
import dev.bypass.stack.TcpState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The small subset of Python (asserts, assignments to names, print) evaluated over a TcpInfo. */
class TcpInfoAssertionsTest {
    private static TcpInfo info() {
        TcpInfo i = new TcpInfo();
        i.state = TcpState.ESTABLISHED;
        i.sndCwnd = 10;
        i.sndSsthresh = 0x7fffffff;
        i.caState = 3;
        i.rttUs = 99_000;
        return i;
    }

    private static void holds(String code) {
        TcpInfoAssertions.parse(code).check(info());
    }

    private static String fails(String code) {
        return assertThrows(TcpInfoAssertions.Failed.class, () -> holds(code)).getMessage();
    }

    private static String unsupported(String code) {
        return assertThrows(TcpInfoAssertions.Unsupported.class, () -> TcpInfoAssertions.parse(code)).getMessage();
    }

    @Test
    void integers_arithmetic_and_comparisons() {
        holds("assert tcpi_snd_cwnd == 10");
        holds("assert tcpi_snd_cwnd * 2 + 1 == 21; assert tcpi_snd_cwnd - 15 == -5");
        holds("assert tcpi_rtt < 100000");
        holds("assert 7 // 2 == 3 and -7 // 2 == -4 and 7 % 3 == 1 and -7 % 3 == 2");
        holds("assert 7 / 2 == 3.5");
        holds("assert 2 ** 10 == 1024");
        holds("assert 0x7fffffff == tcpi_snd_ssthresh");
        holds("assert 5 <= tcpi_snd_cwnd < 11 != 12");
        holds("assert (tcpi_snd_cwnd + 2) * 3 == 36");
        holds("assert abs(-3) == 3 and min(4, tcpi_snd_cwnd) == 4 and max(4, tcpi_snd_cwnd) == 10 and int(7.9) == 7");
    }

    @Test
    void bitwise_operators_for_flag_fields() {
        holds("assert tcpi_snd_cwnd & 2 == 2");
        holds("assert (tcpi_snd_cwnd | 5) == 15 and (tcpi_snd_cwnd ^ 2) == 8 and ~0 == -1");
        holds("assert 1 << 4 == 16 and tcpi_snd_cwnd >> 1 == 5");
        holds("assert tcpi_snd_cwnd & TCPI_OPT_SACK");
    }

    @Test
    void booleans_and_constants() {
        holds("assert not tcpi_snd_cwnd == 11");
        holds("assert tcpi_snd_cwnd == 11 or tcpi_snd_cwnd == 10");
        holds("assert True and not False");
        holds("assert tcpi_ca_state == TCP_CA_Recovery");
        holds("assert tcpi_state == TCP_ESTABLISHED");
        holds("assert TCPI_OPT_SACK == 2 and TCP_CA_Loss == 4");
    }

    @Test
    void statements_comments_and_messages() {
        holds("""
            # a comment
            assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd  # trailing
            pass
            assert tcpi_snd_ssthresh > 0, 'ssthresh=%d' % tcpi_snd_ssthresh
            """);
        assertEquals(2, TcpInfoAssertions.parse("assert 1; assert 2").size());
    }

    @Test
    void a_failed_assertion_says_which_and_with_what_values() {
        String m = fails("assert tcpi_snd_cwnd == 12, 'cwnd=%d' % tcpi_snd_cwnd");
        assertEquals("assertion failed: `tcpi_snd_cwnd == 12`: AssertionError: cwnd=10 [tcpi_snd_cwnd=10]", m);
        String t = fails("assert tcpi_ca_state == TCP_CA_Open, 'ca_state: %d rtt: %d' % (tcpi_ca_state, tcpi_rtt)");
        assertTrue(t.contains("ca_state: 3 rtt: 99000"), t);
        assertTrue(fails("assert tcpi_snd_cwnd // 0").contains("division"));
    }

    @Test
    void assigned_names_keep_their_value_for_later_blocks() {
        Map<String, Object> variables = new HashMap<>();
        TcpInfoAssertions first = TcpInfoAssertions.parse("""
            TCP_INFINITE_SSTHRESH = 0x7fffffff
            cwnd_before = tcpi_snd_cwnd * 2; cwnd_before += 1
            assert cwnd_before == 21, cwnd_before
            """);
        assertEquals(Set.of("TCP_INFINITE_SSTHRESH", "cwnd_before"), first.assigned());
        first.run(info(), variables, line -> fail("printed " + line));
        assertEquals(Map.of("TCP_INFINITE_SSTHRESH", 0x7fffffffL, "cwnd_before", 21L), variables);

        // A later block sees them; the value is the one computed when the first block ran.
        TcpInfo later = info();
        later.sndCwnd = 30;
        TcpInfoAssertions.parse("assert tcpi_snd_ssthresh == TCP_INFINITE_SSTHRESH and cwnd_before == 21",
            variables.keySet()).run(later, variables, line -> { });
        String m = assertThrows(TcpInfoAssertions.Failed.class, () -> TcpInfoAssertions.parse(
            "assert tcpi_snd_cwnd < cwnd_before, 'grew'", variables.keySet()).run(later, variables, line -> { }))
            .getMessage();
        assertEquals("assertion failed: `tcpi_snd_cwnd < cwnd_before`: AssertionError: grew"
            + " [tcpi_snd_cwnd=30, cwnd_before=21]", m);

        // Assignment rebinds; a name never assigned before the block is not known to it.
        TcpInfoAssertions.parse("cwnd_before = 'text'", variables.keySet()).run(later, variables, line -> { });
        assertEquals("text", variables.get("cwnd_before"));
        assertTrue(unsupported("assert cwnd_before == 21").contains("`cwnd_before` (never assigned"));
    }

    @Test
    void a_name_must_be_assigned_before_it_is_read() {
        assertTrue(unsupported("assert x == 1; x = 1").contains("`x`"));
        assertTrue(unsupported("x += 1").contains("`x`"));
        assertEquals(2, TcpInfoAssertions.parse("x = 1; assert x == 1").size());
        assertTrue(fails("x = tcpi_snd_cwnd // 0").contains("error evaluating `x = tcpi_snd_cwnd // 0`"));
    }

    @Test
    void print_writes_pythons_str_of_each_argument() {
        List<String> printed = new ArrayList<>();
        TcpInfoAssertions.parse("""
            print(tcpi_snd_cwnd)
            print('cwnd', tcpi_snd_cwnd, 2.0, True, (1, 'a')); print ()
            x = 3; print('x=%d' % x)
            """).run(info(), new HashMap<>(), printed::add);
        assertEquals(List.of("10", "cwnd 10 2.0 True (1, 'a')", "", "x=3"), printed);
    }

    @Test
    void anything_outside_the_subset_is_unsupported_and_named() {
        assertTrue(unsupported("print(tcpi_snd_cwnd, sep=',')").startsWith("python print with keyword arguments"));
        assertTrue(unsupported("print tcpi_snd_cwnd").startsWith("python print"));
        assertTrue(unsupported("print(tcpi_snd_cwnd) + 1").startsWith("python print"));
        assertTrue(unsupported("a = b = 1").startsWith("python chained assignment"));
        assertTrue(unsupported("a, b = 1, 2").startsWith("python assignment to something other than a name"));
        assertTrue(unsupported("x[0] = 1").startsWith("python assignment to something other than a name"));
        assertTrue(unsupported("tcpi_snd_cwnd = 3").startsWith("python assignment to the tcp_info field"));
        assertTrue(unsupported("None = 3").startsWith("python assignment to the reserved name"));
        assertTrue(unsupported("x = len(tcpi_snd_cwnd)").contains("function len()"));
        assertTrue(unsupported("tcpi_snd_cwnd == 10").startsWith("python statement"));
        assertTrue(unsupported("import os").startsWith("python import"));
        assertTrue(unsupported("def f(): pass").startsWith("python function definition"));
        assertTrue(unsupported("assert cwnd == 10").contains("`cwnd`"));
        assertTrue(unsupported("assert tcpi_wobble == 1").contains("tcpi_wobble"));
        assertTrue(unsupported("assert len(tcpi_snd_cwnd) == 1").contains("function len()"));
        assertTrue(unsupported("assert tcpi_snd_cwnd in (1, 2)").contains("'in'"));
    }

    @Test
    void python_values_print_as_python() {
        assertEquals("True", PythonExpression.str(true));
        assertEquals("3.0", PythonExpression.str(3.0));
        assertEquals("(1, 'a')", PythonExpression.str(java.util.List.of(1L, "a")));
        Object v = PythonExpression.parse("'%d/%s/%%' % (7, 'x')").eval(Map.<String, Object>of()::get);
        assertEquals("7/x/%", v);
    }
}
