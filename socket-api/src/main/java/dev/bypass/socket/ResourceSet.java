package dev.bypass.socket;

import dev.bypass.host.PollLoop;
import dev.bypass.stack.NetworkStack;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The resources (NICs, each with its own {@link NetworkStack} driven by its own {@link PollLoop}) the socket
 * API spreads its sockets over: the SPI a multi-resource host implements. A listening socket listens on every
 * resource of the set; a connecting socket opens on the one a {@link ResourceChooser} picks.
 *
 * <p>The set is fixed for the life of the {@link BypassSockets} built on it (a resource that goes down stays
 * in the set; its connections end with an error).
 */
public interface ResourceSet {
    /** Default command ring: 64 KiB, about 2,700 commands of 24 bytes waiting. */
    int DEFAULT_COMMAND_RING_BYTES = 64 * 1024;

    /** Resources in the set; at least 1. */
    int size();

    /** Resource {@code index} (0 .. size() - 1); {@link Resource#index()} returns {@code index}. */
    Resource resource(int index);

    /** One resource of a set: a stack, the poll thread that drives it, and the command ring its bridge drains. */
    interface Resource {
        /** Position in the set. */
        int index();

        NetworkStack stack();

        PollLoop loop();

        /**
         * The many-to-one ring any application thread writes commands into (connect, close, listen...) and this
         * resource's poll thread drains. Owned by the resource; exactly one {@link BypassSockets} reads it.
         */
        ManyToOneRingBuffer commandRing();
    }

    /** A set of one resource: {@code stack} driven by {@code loop}. */
    static ResourceSet single(NetworkStack stack, PollLoop loop) {
        Resource r = resource(0, stack, loop, DEFAULT_COMMAND_RING_BYTES);
        return new ResourceSet() {
            @Override
            public int size() {
                return 1;
            }

            @Override
            public Resource resource(int index) {
                Objects.checkIndex(index, 1);
                return r;
            }
        };
    }

    /** A resource with a fresh command ring of {@code commandRingBytes} (a power of two) over direct memory. */
    static Resource resource(int index, NetworkStack stack, PollLoop loop, int commandRingBytes) {
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(loop, "loop");
        if (loop.stack() != stack) {
            throw new IllegalArgumentException("poll loop drives stack '" + loop.stack().config().name() + "', not '"
                + stack.config().name() + "'");
        }
        ManyToOneRingBuffer ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(commandRingBytes + RingBufferDescriptor.TRAILER_LENGTH)));
        return new Resource() {
            @Override
            public int index() {
                return index;
            }

            @Override
            public NetworkStack stack() {
                return stack;
            }

            @Override
            public PollLoop loop() {
                return loop;
            }

            @Override
            public ManyToOneRingBuffer commandRing() {
                return ring;
            }
        };
    }
}
