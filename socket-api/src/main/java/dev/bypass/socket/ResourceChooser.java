package dev.bypass.socket;

import dev.bypass.stack.addr.Endpoint;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the resource (this host's own NIC) a connecting socket opens on. Called on the connecting thread; must
 * be thread-safe. Which of the remote host's tuples it connects to is the connect query's choice (see
 * {@link BypassSockets#connectQuery}); this picks the local side.
 */
@FunctionalInterface
public interface ResourceChooser {
    /** Always the first resource. */
    ResourceChooser FIRST = (resources, remote) -> 0;

    /** Index of the resource of {@code resources} to open a connection to {@code remote} on. */
    int choose(ResourceSet resources, Endpoint remote);

    /** Each connect on the next resource in turn, whatever the remote: spreads a client's connections evenly. */
    static ResourceChooser roundRobin() {
        AtomicInteger next = new AtomicInteger();
        return (resources, remote) -> Integer.remainderUnsigned(next.getAndIncrement(), resources.size());
    }
}
