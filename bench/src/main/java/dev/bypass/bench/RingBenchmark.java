package dev.bypass.bench;

import dev.bypass.socket.SpscByteRing;
import java.nio.ByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

/**
 * The socket API's handoff costs on one thread (the copy and the counters, without the cache-line transfer
 * between cores): a 64-byte message through a connection's SPSC byte ring (write then read, as an application
 * write followed by the poll thread's take), and one connection id through an accept ring (the poll thread's
 * claim, put and commit, then the accepting thread's read), the record layout the server socket uses.
 */
public class RingBenchmark extends BenchmarkDefaults {
    private SpscByteRing ring;
    private UnsafeBuffer message;
    private UnsafeBuffer into;
    private ManyToOneRingBuffer acceptRing;
    private final Taker taker = new Taker();

    @Setup(Level.Trial)
    public void setUp() {
        ring = SpscByteRing.allocate(64 * 1024);
        message = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        into = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        acceptRing = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(64 * 1024 + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** 64 bytes written into the byte ring and read out again; returns the bytes read. */
    @Benchmark
    public int byteRing64() {
        ring.write(message, 0, 64);
        return ring.read(into, 0, 64);
    }

    /** One connection id handed through the accept ring; returns it. */
    @Benchmark
    public int acceptRing() {
        int claim = acceptRing.tryClaim(1, 4);
        acceptRing.buffer().putInt(claim, 42);
        acceptRing.commit(claim);
        acceptRing.read(taker, 1);
        return taker.id;
    }

    /**
     * Two threads: the bytes a connection's writer hands to the poll thread, 64 at a time, across cores. An
     * operation that finds the ring full (writer) or empty (reader) counts too: read the writer's time as the
     * cost of a handoff when the reader keeps up.
     */
    @org.openjdk.jmh.annotations.State(org.openjdk.jmh.annotations.Scope.Group)
    public static class Shared {
        final SpscByteRing ring = SpscByteRing.allocate(64 * 1024);
    }

    /** Producer side of the two-thread handoff: 64 bytes in (0 when the ring is full). */
    @Benchmark
    @org.openjdk.jmh.annotations.Group("handoff64")
    @org.openjdk.jmh.annotations.GroupThreads(1)
    public int handoffWrite(Shared shared) {
        return shared.ring.write(message, 0, 64);
    }

    /** Consumer side: up to 64 bytes out (0 when the ring is empty). */
    @Benchmark
    @org.openjdk.jmh.annotations.Group("handoff64")
    @org.openjdk.jmh.annotations.GroupThreads(1)
    public int handoffRead(Shared shared) {
        return shared.ring.read(into, 0, 64);
    }

    private static final class Taker implements MessageHandler {
        int id;

        @Override
        public void onMessage(int type, MutableDirectBuffer buffer, int offset, int length) {
            id = buffer.getInt(offset);
        }
    }
}
