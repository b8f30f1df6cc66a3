package dev.bypass.stack.time;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimerQueueTest {
    @Test
    void fires_owners_in_deadline_order_exactly_at_their_deadline() {
        TimerQueue q = new TimerQueue(4);
        List<Integer> fired = new ArrayList<>();
        for (int h = 0; h < 4; h++) {
            q.register(h, (handle, now) -> fired.add(handle));
        }
        q.schedule(0, 300);
        q.schedule(1, 100);
        q.schedule(2, 200);
        q.schedule(3, 100);
        assertEquals(100, q.nextDeadlineNs());
        assertEquals(0, q.poll(99));
        assertEquals(2, q.poll(100));
        assertEquals(List.of(1, 3), fired.stream().sorted().toList());
        q.schedule(0, 150); // moved earlier
        q.cancel(2);
        assertEquals(1, q.poll(1000), "handle 2 was cancelled: only handle 0 fires");
        assertEquals(3, fired.size());
        assertEquals(0, fired.get(2));
        assertEquals(Deadlines.NONE, q.nextDeadlineNs());
    }

    @Test
    void random_schedules_and_cancels_keep_the_heap_ordered() {
        int n = 500;
        TimerQueue q = new TimerQueue(n);
        long[] expected = new long[n];
        java.util.Arrays.fill(expected, Deadlines.NONE);
        List<Long> firedAt = new ArrayList<>();
        for (int h = 0; h < n; h++) {
            q.register(h, (handle, now) -> firedAt.add(expected[handle]));
        }
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 20_000; i++) {
            int h = r.nextInt(n);
            if (r.nextInt(4) == 0) {
                q.cancel(h);
                expected[h] = Deadlines.NONE;
            } else {
                long d = r.nextLong(1_000_000);
                q.schedule(h, d);
                expected[h] = d;
            }
            long min = Deadlines.NONE;
            for (long d : expected) {
                min = Deadlines.earliest(min, d);
            }
            assertEquals(min, q.nextDeadlineNs());
        }
        int pending = q.size();
        assertEquals(pending, q.poll(Long.MAX_VALUE - 1));
        for (int i = 1; i < firedAt.size(); i++) {
            assertEquals(true, firedAt.get(i - 1) <= firedAt.get(i), "fired in deadline order");
        }
    }

    @Test
    void an_owner_that_reschedules_into_the_past_fires_again_on_the_next_poll_not_in_a_loop() {
        TimerQueue q = new TimerQueue(1);
        int[] calls = {0};
        q.register(0, (handle, now) -> {
            calls[0]++;
            q.schedule(0, now - 1); // a buggy owner
        });
        q.schedule(0, 10);
        assertEquals(1, q.poll(10));
        assertEquals(1, calls[0]);
        assertEquals(1, q.poll(10));
        assertEquals(2, calls[0]);
    }
}
