package dev.bypass.socket;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * What a socket bound to a port on every resource (a listening socket, a UDP socket) shares between the
 * application thread that binds or closes it and the poll threads that carry the commands out: one command
 * at a time, asked of one resource, answered by its poll thread.
 */
abstract class PortSlot {
    volatile int id = -1;
    volatile int port;
    /** Resources that have not answered the last command. */
    final AtomicInteger pending = new AtomicInteger();
    volatile String failure;
    volatile Thread waiter;

    // ------------------------------------------------------------------------------- application side

    /** Sends command {@code type} to resource {@code resource} and parks until its poll thread answers. */
    final void ask(BypassSockets sockets, int resource, int type, int a, int b) {
        pending.set(1);
        sockets.command(resource, type, id, a, b, 0, 0);
        waiter = Thread.currentThread();
        try {
            while (pending.get() > 0) {
                LockSupport.parkNanos(this, 1_000_000L);
            }
        } finally {
            waiter = null;
        }
    }

    /**
     * Binds {@code port} (0: the first resource's choice, then that one) on every resource in turn with
     * {@code bind} (its second argument {@code arg}); on a refusal undoes the resources already bound with
     * {@code unbind} and returns the refusal, else null.
     */
    final String bindOnEveryResource(BypassSockets sockets, int bind, int unbind, int port, int arg) {
        int chosen = port;
        for (int r = 0; r < sockets.resources.size(); r++) {
            ask(sockets, r, bind, chosen, arg);
            if (failure != null) {
                for (int done = 0; done < r; done++) {
                    ask(sockets, done, unbind, 0, 0);
                }
                return failure;
            }
            chosen = this.port;
        }
        return null;
    }

    /** Sends {@code type} to every resource, one at a time, each answered before the next. */
    final void askEveryResource(BypassSockets sockets, int type) {
        for (int r = 0; r < sockets.resources.size(); r++) {
            ask(sockets, r, type, 0, 0);
        }
    }

    // -------------------------------------------------------------------------------- poll thread side

    /** The command this slot was asked is done: wakes the application thread. */
    final void answer() {
        pending.decrementAndGet();
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }
}
