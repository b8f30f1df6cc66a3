package dev.bypass.bench;

import dev.bypass.stack.TcpConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The stack's fast path for an in-order data segment on an established connection, through its real input
 * path: one op is a {@code NetworkStack.poll} that receives one pre-built frame from the NIC
 * ({@link ReplayDevice}: a copy of a frame the peer stack sent, sequence number advanced each time, receive
 * checksums marked good by the NIC), runs Ethernet, IPv4 and TCP input, puts the payload in the
 * connection's receive buffer, runs timers and output (the ACK when one is due) and flushes; then the
 * application reads the bytes, so the window stays open. The clock is read once per op, as a poll thread
 * does (about 20 ns of the figure).
 *
 * <p>{@code delayedAck=true} is the default TCP configuration (an ACK for every second full-sized segment, or
 * at the 40 ms timer); {@code false} sends an ACK for every segment, so the difference is the cost of
 * producing and transmitting one pure ACK (transmit to a NIC that frees the frame at once). The frames sent
 * per segment are printed after each iteration: 1.0 with {@code delayedAck=false}; with the default, 0.5 at
 * 1448 bytes (every second full-sized segment) and about 0.1 at 64 bytes (quick ACKs while the ato adapts,
 * then window updates as the application reads).
 *
 * <p>ACK generation by the delayed-ACK timer is not measured on its own: with Linux's ato rules (which the
 * stack follows) a segment that arrives after the timer fired finds the gap longer than the RTO and
 * re-enters quick-ACK mode, so an op "segment, then timer ACK" does not stay on the timer path.
 */
public class TcpInputBenchmark extends BenchmarkDefaults {
    @Param({"64", "1448"})
    public int payload;

    @Param({"true", "false"})
    public boolean delayedAck;

    private InputConnection connection;

    @Setup
    public void setUp() {
        connection = new InputConnection(TcpConfig.builder().noDelay(true).delayedAck(delayedAck).build(), payload);
    }

    /** Prints the frames sent per segment (a few hundred bytes per iteration: 10^-4 B/op). */
    @TearDown(Level.Iteration)
    public void summary() {
        System.out.println("\n" + connection.summary());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        connection.close();
    }

    /** One in-order segment received and read; returns the bytes read. */
    @Benchmark
    public int inOrderSegment() {
        return connection.segment(System.nanoTime());
    }
}
