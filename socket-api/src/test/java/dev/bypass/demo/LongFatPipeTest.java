package dev.bypass.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.demo.LongFatPipeSimulation.Options;
import dev.bypass.demo.LongFatPipeSimulation.Result;
import org.junit.jupiter.api.Test;

/**
 * The long fat pipe (issue: "with 50 ms of delay injected by the fault NIC and a rate limit, a 1 GiB transfer
 * reaches at least 90% of the limit"), in virtual time: 50 ms one-way delay on each direction (RTT 100 ms), a
 * drop-tail bottleneck of one BDP on each direction, CUBIC with HyStart, window scaling, send and receive
 * buffers of two BDPs, 1 GiB from A to B checked byte by byte against a pattern.
 *
 * <p>Goodput is payload bits over virtual time from the first SYN to the last byte read. Its ceiling is
 * 1448/1514 = 95.6% of the bottleneck's rate (Ethernet, IPv4, TCP and timestamp headers); slow start from 10
 * segments costs about ten RTTs on top of that, about 1 s at 100 ms. At 1 Gbit/s that second is 11% of a 9 s
 * transfer, so 90% from the SYN is out of reach for any TCP with a standard initial window there (this run:
 * 83%); the 90% from the SYN is asserted at 200 Mbit/s, and at 1 Gbit/s from the end of slow start.
 * The figures are deterministic (virtual time, fixed seeds); the test prints them.
 */
class LongFatPipeTest {
    private static final long GIB = 1L << 30;
    private static final long ONE_WAY_DELAY_NS = 50_000_000L;

    @Test
    void one_gibibyte_at_200_mbit_per_second_and_100_ms_rtt_reaches_90_percent_of_the_limit_from_the_syn() {
        Result r = LongFatPipeSimulation.run(Options.of(200_000_000L, ONE_WAY_DELAY_NS, GIB));
        checkTransfer(r);
        assertTrue(r.percentOfLimit() >= 90, "goodput from the SYN below 90% of the limit: " + r.summary());
        assertTrue(r.percentOfLimitAfterSlowStart() >= 90, r.summary());
    }

    @Test
    void one_gibibyte_at_1_gbit_per_second_and_100_ms_rtt_reaches_90_percent_of_the_limit_after_slow_start() {
        Result r = LongFatPipeSimulation.run(Options.of(1_000_000_000L, ONE_WAY_DELAY_NS, GIB));
        checkTransfer(r);
        assertTrue(r.percentOfLimitAfterSlowStart() >= 90, "goodput after slow start below 90%: " + r.summary());
        // From the SYN: the slow-start bound above; 80% leaves room for it and fails on a real regression.
        assertTrue(r.percentOfLimit() >= 80, r.summary());
    }

    @Test
    void with_the_default_32_out_of_order_ranges_a_drop_tail_burst_costs_retransmissions_of_data_that_arrived() {
        // Why the simulation raises maxOutOfOrderRanges: with 32, segments past the 32nd hole are thrown away
        // by the receiver and sent again, so retransmissions exceed the bottleneck's drops.
        Options o = Options.of(1_000_000_000L, ONE_WAY_DELAY_NS, 256L << 20).withOutOfOrderRanges(32);
        Result r = LongFatPipeSimulation.run(o);
        assertTrue(r.finished(), r.summary());
        assertEquals(0, r.mismatches());
        assertTrue(r.retransmits() > r.rateDropped(), r.summary());
    }

    private static void checkTransfer(Result r) {
        System.out.println("LongFatPipeTest: " + r.summary());
        assertTrue(r.finished(), "transfer did not finish: " + r.summary() + "\n" + r.counters());
        assertEquals(GIB, r.received(), r.summary());
        assertEquals(0, r.mismatches(), "bytes differ from the pattern");
        assertEquals(0, r.internalErrors(), r.counters());
        assertEquals(0, r.heldOverflow(), "the fault devices held too few frames: " + r.summary());
        assertEquals("cubic", r.congestionControl());
        // Window scaling on, with the smallest shift that advertises the whole receive buffer.
        int buffer = r.options().bufferBytes();
        assertTrue(r.receiveWindowScale() > 0 && (buffer >> r.receiveWindowScale()) <= 0xFFFF
            && (buffer >> (r.receiveWindowScale() - 1)) > 0xFFFF, "wscale " + r.receiveWindowScale() + " for " + buffer);
        assertEquals(r.receiveWindowScale(), r.sendWindowScale());
        // Slow start ended by HyStart near the BDP, not by a loss; the bottleneck was reached (drops) and every
        // retransmission repaired a drop (no spurious ones, nothing thrown away by the receiver).
        assertTrue(r.hystartExit(), r.summary());
        assertTrue(r.rateDropped() > 0, r.summary());
        assertEquals(r.rateDropped(), r.retransmits(), r.summary());
        assertEquals(0, r.timeouts(), r.summary());
        assertTrue(r.maxCwndBytes() >= r.options().bdpBytes() && r.maxCwndBytes() <= buffer + 65536, r.summary());
    }
}
