package dev.bypass.socket;

import dev.bypass.stack.addr.Endpoint;

/** Picks the resource a connecting socket opens on. Called on the connecting thread; must be thread-safe. */
@FunctionalInterface
public interface ResourceChooser {
    /** Always the first resource. */
    ResourceChooser FIRST = (resources, remote) -> 0;

    /** Index of the resource of {@code resources} to open a connection to {@code remote} on. */
    int choose(ResourceSet resources, Endpoint remote);
}
