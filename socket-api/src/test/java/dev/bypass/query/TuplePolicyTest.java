package dev.bypass.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TuplePolicyTest {
    /** Four tuples 198.18.0.11..14:80 with the given hints. */
    record Four(int... hints) implements TupleCandidates {
        @Override
        public int count() {
            return hints.length;
        }

        @Override
        public int address(int i) {
            return 0xC6_12_00_0B + i;
        }

        @Override
        public int port(int i) {
            return 80;
        }

        @Override
        public int resourceId(int i) {
            return i;
        }

        @Override
        public int loadHint(int i) {
            return hints[i];
        }
    }

    private static int[] spread(TuplePolicy p, TupleCandidates c, int n) {
        int[] got = new int[c.count()];
        for (int i = 0; i < n; i++) {
            got[p.choose(c, 0xC6_12_01_02, 40000 + i)]++;
        }
        return got;
    }

    @Test
    void round_robin_takes_each_in_turn_whatever_the_hints() {
        int[] got = spread(TuplePolicy.roundRobin(), new Four(0, 60000, 0, 65535), 10_000);
        assertEquals(java.util.List.of(2500, 2500, 2500, 2500), java.util.Arrays.stream(got).boxed().toList());
    }

    @Test
    void least_loaded_takes_the_lowest_hint_and_shares_ties() {
        assertEquals(java.util.List.of(0, 0, 1000, 0),
            java.util.Arrays.stream(spread(TuplePolicy.leastLoaded(), new Four(500, 400, 7, 9), 1000)).boxed().toList());
        assertEquals(java.util.List.of(500, 0, 0, 500),
            java.util.Arrays.stream(spread(TuplePolicy.leastLoaded(), new Four(3, 4, 5, 3), 1000)).boxed().toList());
    }

    @Test
    void spare_capacity_follows_the_hints_in_proportion() {
        // spare 65536, 49152, 16384, 1: shares 50%, 37.5%, 12.5%, ~0
        int[] got = spread(TuplePolicy.spareCapacity(), new Four(0, 16384, 49152, 65535), 10_000);
        assertTrue(Math.abs(got[0] - 5000) <= 10, () -> java.util.Arrays.toString(got));
        assertTrue(Math.abs(got[1] - 3750) <= 10, () -> java.util.Arrays.toString(got));
        assertTrue(Math.abs(got[2] - 1250) <= 10, () -> java.util.Arrays.toString(got));
        assertTrue(got[3] <= 2, () -> java.util.Arrays.toString(got));
        // equal hints: even
        int[] even = spread(TuplePolicy.spareCapacity(), new Four(100, 100, 100, 100), 10_000);
        for (int g : even) {
            assertTrue(Math.abs(g - 2500) <= 10, () -> java.util.Arrays.toString(even));
        }
    }

    @Test
    void client_hash_is_stable_spreads_and_moves_only_the_clients_of_a_tuple_that_left() {
        TuplePolicy p = TuplePolicy.clientHash();
        Four four = new Four(0, 0, 0, 0);
        int[] before = new int[10_000];
        int[] counts = new int[4];
        for (int port = 0; port < before.length; port++) {
            before[port] = p.choose(four, 0xC6_12_01_02, 20000 + port);
            assertEquals(before[port], p.choose(four, 0xC6_12_01_02, 20000 + port), "same client, same tuple");
            counts[before[port]]++;
        }
        for (int c : counts) {
            assertTrue(Math.abs(c - 2500) < 250, () -> "within 10% of even: " + java.util.Arrays.toString(counts));
        }
        // tuple 3 leaves: a view of the first three
        TupleCandidates three = new Four(0, 0, 0);
        for (int port = 0; port < before.length; port++) {
            int now = p.choose(three, 0xC6_12_01_02, 20000 + port);
            if (before[port] != 3) {
                assertEquals(before[port], now, "a client of a tuple that stayed keeps it");
            }
        }
    }
}
