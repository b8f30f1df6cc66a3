package dev.bypass.socket;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A channel's registration with a {@link BypassSelector}, as {@link SelectionKey}: interest set, ready set,
 * attachment. The operation bits are java.nio's.
 *
 * <p>Threads: {@link #interestOps(int)}, {@link #attach}, {@link #cancel} from any thread; {@link #readyOps()} is
 * what the last select found, read it on the selecting thread.
 */
public final class BypassSelectionKey {
    public static final int OP_READ = SelectionKey.OP_READ;
    public static final int OP_WRITE = SelectionKey.OP_WRITE;
    public static final int OP_CONNECT = SelectionKey.OP_CONNECT;
    public static final int OP_ACCEPT = SelectionKey.OP_ACCEPT;

    private final BypassSelector selector;
    private final Selectable channel;
    final int index;
    private volatile int interestOps;
    private volatile Object attachment;
    private volatile boolean valid = true;
    /** 1 while this key's index is in the selector's ready ring (so it is there at most once). */
    final AtomicInteger queued = new AtomicInteger();
    // selecting thread only
    int readyOps;
    long reportedInSelect;
    boolean inSelectedSet;

    BypassSelectionKey(BypassSelector selector, Selectable channel, int index, int interestOps, Object attachment) {
        this.selector = selector;
        this.channel = channel;
        this.index = index;
        this.interestOps = interestOps;
        this.attachment = attachment;
    }

    /** What a channel registered with a selector tells it. */
    interface Selectable {
        /** Operations ready now (OP_* bits), whatever the interest. */
        int readyOpsNow();

        /** Operations the channel supports. */
        int validOps();

        void keyCancelled(BypassSelectionKey key);
    }

    /** The registered channel: a {@link BypassSocketChannel} or a {@link BypassServerSocketChannel}. */
    public Object channel() {
        return channel;
    }

    public BypassSelector selector() {
        return selector;
    }

    public int interestOps() {
        checkValid();
        return interestOps;
    }

    /** Sets the interest set; the next select looks at the channel again. */
    public BypassSelectionKey interestOps(int ops) {
        checkValid();
        if ((ops & ~channel.validOps()) != 0) {
            throw new IllegalArgumentException("interest ops 0x" + Integer.toHexString(ops) + " not valid for "
                + channel + " (valid: 0x" + Integer.toHexString(channel.validOps()) + ")");
        }
        interestOps = ops;
        signal();
        return this;
    }

    /** The operations the last select found ready (within the interest set). */
    public int readyOps() {
        checkValid();
        return readyOps;
    }

    public boolean isReadable() {
        return (readyOps() & OP_READ) != 0;
    }

    public boolean isWritable() {
        return (readyOps() & OP_WRITE) != 0;
    }

    public boolean isConnectable() {
        return (readyOps() & OP_CONNECT) != 0;
    }

    public boolean isAcceptable() {
        return (readyOps() & OP_ACCEPT) != 0;
    }

    public Object attach(Object value) {
        Object old = attachment;
        attachment = value;
        return old;
    }

    public Object attachment() {
        return attachment;
    }

    public boolean isValid() {
        return valid;
    }

    /** Deregisters the channel; the key is invalid from now on. Any thread. */
    public void cancel() {
        if (valid) {
            valid = false;
            channel.keyCancelled(this);
            selector.cancelled(this);
        }
    }

    int readyNow() {
        return channel.readyOpsNow() & interestOps;
    }

    /**
     * Puts this key in the selector's ready ring unless it is there already and wakes the selector: called by
     * poll threads when something happened to the channel. Returns true if it signalled.
     */
    boolean signal() {
        if (valid && interestOps != 0 && queued.compareAndSet(0, 1)) {
            selector.publish(this);
            return true;
        }
        return false;
    }

    private void checkValid() {
        if (!valid) {
            throw new CancelledKeyException();
        }
    }

    @Override
    public String toString() {
        return "key " + index + " of " + channel + " (interest 0x" + Integer.toHexString(interestOps) + ")";
    }
}
