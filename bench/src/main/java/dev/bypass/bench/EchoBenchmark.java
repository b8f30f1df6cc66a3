package dev.bypass.bench;

import dev.bypass.stack.TcpClaim;
import dev.bypass.stack.TcpConnection;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One TCP round trip between two stacks over the in-memory NIC ({@link TwoStacks}), on one thread with no
 * handoff: the client writes {@code messageBytes}, the server reads them and writes them back, the client
 * reads them.
 *
 * <p>Both stacks are polled in turn at the same {@code nowNs} (one {@link System#nanoTime} read per turn)
 * and the applications run after each turn, as run-to-completion handlers would. Data written after a poll
 * leaves on the next one, so a round trip takes three turns: the client's poll sends the request, the
 * server's poll receives it and the server echoes it; the server's next poll sends the echo; the client's
 * next poll receives it. {@link PollBenchmark} measures one turn with nothing to do.
 *
 * <p>The connection uses noDelay and the default TcpConfig otherwise (timestamps, window scaling, delayed
 * ACK): the echo carries the ACK of the request and the next request the ACK of the echo, so steady state
 * is two segments per round trip (the setup prints segments and poll turns per round trip). The in-memory
 * NIC offloads nothing, so each segment's TCP checksum is computed on send and checked on receive. Each
 * iteration fails if a segment was retransmitted or a frame dropped: the figure would not be a clean echo.
 */
public class EchoBenchmark extends BenchmarkDefaults {
    @Param({"64", "1024"})
    int messageBytes;

    /**
     * How the applications write: {@code copy} through {@link TcpConnection#write} from a buffer of their own,
     * {@code claim} zero-copy ({@link TcpConnection#claim}): the client copies its request straight into the
     * send buffer, the server reads the request straight into the claimed room of its send buffer.
     */
    @Param({"copy", "claim"})
    String write;

    private boolean zeroCopy;

    private TwoStacks stacks;
    private TcpConnection client;
    private TcpConnection server;
    private UnsafeBuffer request;
    private UnsafeBuffer serverBuffer;
    private UnsafeBuffer response;
    private long retransmittedBefore;

    @Setup(Level.Trial)
    public void setUp() {
        zeroCopy = switch (write) {
            case "copy" -> false;
            case "claim" -> true;
            default -> throw new IllegalArgumentException("write must be copy or claim, got " + write);
        };
        stacks = new TwoStacks();
        client = stacks.client;
        server = stacks.server;
        request = new UnsafeBuffer(BufferUtil.allocateDirectAligned(messageBytes, BitUtil.CACHE_LINE_LENGTH));
        serverBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(65536, BitUtil.CACHE_LINE_LENGTH));
        response = new UnsafeBuffer(BufferUtil.allocateDirectAligned(messageBytes, BitUtil.CACHE_LINE_LENGTH));
        for (int i = 0; i < messageBytes; i++) {
            request.putByte(i, (byte) (i * 13 + 1));
        }
        roundTrip();
        for (int i = 0; i < messageBytes; i++) {
            if (response.getByte(i) != request.getByte(i)) {
                throw new IllegalStateException("echo differs at byte " + i);
            }
        }
        describeSteadyState(1000);
    }

    /** Prints what one round trip costs in segments and poll turns (here, not in a measured iteration). */
    private void describeSteadyState(int roundTrips) {
        long segmentsBefore = stacks.segmentsSent();
        long turns = 0;
        for (int i = 0; i < roundTrips; i++) {
            turns += roundTrip();
        }
        System.out.printf("%n[echo of %d bytes: %.2f TCP segments and %.2f poll turns per round trip]%n", messageBytes,
            (double) (stacks.segmentsSent() - segmentsBefore) / roundTrips, (double) turns / roundTrips);
    }

    @Setup(Level.Iteration)
    public void baseline() {
        retransmittedBefore = stacks.segmentsRetransmitted();
    }

    /** Fails the iteration if anything was retransmitted or dropped. */
    @TearDown(Level.Iteration)
    public void check() {
        long retransmitted = stacks.segmentsRetransmitted() - retransmittedBefore;
        long dropped = stacks.framesDropped();
        if (retransmitted != 0 || dropped != 0) {
            throw new IllegalStateException(retransmitted + " segments retransmitted, " + dropped + " frames dropped\n"
                + stacks.counters());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stacks.close();
    }

    /** One request and its echo; returns the poll turns it took. */
    @Benchmark
    public int roundTrip() {
        if (zeroCopy) {
            TcpClaim claim = client.claim(messageBytes);
            if (claim.length() != messageBytes) {
                throw new IllegalStateException("send buffer full: " + client);
            }
            claim.buffer().putBytes(claim.offset(), request, 0, messageBytes);
            claim.commit(messageBytes);
        } else if (client.write(request, 0, messageBytes) != messageBytes) {
            throw new IllegalStateException("send buffer full: " + client);
        }
        int received = 0;
        int turns = 0;
        while (received < messageBytes) {
            stacks.pollBoth();
            if (zeroCopy) {
                echoInPlace();
            } else {
                int n = server.read(serverBuffer, 0, serverBuffer.capacity());
                if (n > 0 && server.write(serverBuffer, 0, n) != n) {
                    throw new IllegalStateException("server send buffer full: " + server);
                }
            }
            received += Math.max(0, client.read(response, received, messageBytes - received));
            turns++;
        }
        return turns;
    }

    /** The server's zero-copy echo: the request is read from the receive buffer into the claimed send buffer. */
    private void echoInPlace() {
        int waiting = server.readableBytes();
        if (waiting == 0) {
            return;
        }
        TcpClaim claim = server.claim(waiting);
        if (claim.length() != waiting) {
            throw new IllegalStateException("server send buffer full: " + server);
        }
        claim.commit(server.read(claim.buffer(), claim.offset(), waiting));
    }
}
