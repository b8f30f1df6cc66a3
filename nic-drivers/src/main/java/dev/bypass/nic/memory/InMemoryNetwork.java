package dev.bypass.nic.memory;

import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.wire.EthernetHeader;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.agrona.DirectBuffer;

/**
 * A learning Ethernet switch with a fixed number of ports, each taking one {@link InMemoryNic}: the wire
 * between in-memory hosts for tests and the embedded demo.
 *
 * <p>As a switch (IEEE 802.1D): the source MAC of every frame is learned on its ingress port; a frame
 * to a learned unicast address goes out of that port only, and is filtered if that is the port it came
 * in on; a frame to an unknown, broadcast or multicast address is flooded to every other port. A frame
 * never goes back out of its ingress port.
 *
 * <p>Forwarding runs on the thread of the sending NIC and ends in a copy into the receiving NIC's ring,
 * so NICs polled by different threads share nothing but the lock-free {@link MacLearningTable}, the
 * port table (read-only once the NICs are attached) and the receive rings.
 */
public final class InMemoryNetwork {
    /** MAC table entries unless given: far more than the hosts of any test network. */
    public static final int DEFAULT_MAC_TABLE_ENTRIES = 1024;

    private final AtomicReferenceArray<InMemoryNic> ports;
    private final MacLearningTable macTable;
    private final AtomicLong runts = new AtomicLong();
    private final AtomicLong filtered = new AtomicLong();

    /** A switch with {@code ports} ports and the default MAC table. */
    public InMemoryNetwork(int ports) {
        this(ports, DEFAULT_MAC_TABLE_ENTRIES);
    }

    /** A switch with {@code ports} ports and a MAC table of {@code macTableEntries} (a power of two). */
    public InMemoryNetwork(int ports, int macTableEntries) {
        if (ports < 1 || ports > MacLearningTable.MAX_PORTS) {
            throw new IllegalArgumentException("a network has 1 to " + MacLearningTable.MAX_PORTS + " ports, got " + ports);
        }
        this.ports = new AtomicReferenceArray<>(ports);
        this.macTable = new MacLearningTable(macTableEntries);
    }

    /**
     * Creates a NIC from {@code config} on the lowest free port. Synchronized so that hosts may be set up
     * from several threads; this is setup, never the data path.
     */
    public synchronized InMemoryNic connect(InMemoryNicConfig config) {
        for (int port = 0; port < ports.length(); port++) {
            if (ports.get(port) == null) {
                return new InMemoryNic(this, port, config);
            }
        }
        throw new IllegalStateException("network of " + ports.length() + " ports has no free port for NIC '"
            + config.name() + "'");
    }

    public int portCount() {
        return ports.length();
    }

    /** The NIC on {@code port}, or null. */
    public InMemoryNic nicAt(int port) {
        return ports.get(port);
    }

    /** The port the switch has learned {@code mac} on, or -1. */
    public int learnedPort(long mac) {
        return macTable.lookup(mac);
    }

    /** Frames shorter than an Ethernet header, dropped. */
    public long runtsDropped() {
        return runts.get();
    }

    /** Frames addressed to a station on their own ingress port, filtered (not sent back). */
    public long sameSegmentFiltered() {
        return filtered.get();
    }

    /** Stations not learned because the MAC table was full: their frames flood. */
    public long macTableFull() {
        return macTable.fullCount();
    }

    void attach(int port, InMemoryNic nic) {
        if (port < 0 || port >= ports.length()) {
            throw new IllegalArgumentException("port " + port + " does not exist on a network of " + ports.length() + " ports");
        }
        if (!ports.compareAndSet(port, null, nic)) {
            throw new IllegalStateException("port " + port + " is already taken by NIC '" + ports.get(port).name() + "'");
        }
    }

    void detach(int port, InMemoryNic nic) {
        ports.compareAndSet(port, nic, null);
    }

    /**
     * Switches one frame from {@code ingressPort}; called on the sending NIC's thread. Returns the number of
     * ports it was copied to.
     */
    int forward(int ingressPort, DirectBuffer frame, int offset, int length) {
        if (length < EthernetHeader.LENGTH) {
            runts.incrementAndGet();
            return 0;
        }
        long source = MacAddress.read(frame, offset + EthernetHeader.SOURCE_OFFSET);
        long destination = MacAddress.read(frame, offset + EthernetHeader.DESTINATION_OFFSET);
        if (!MacAddress.isMulticast(source)) {
            macTable.learn(source, ingressPort);
        }
        if (!MacAddress.isMulticast(destination)) {
            int port = macTable.lookup(destination);
            if (port == ingressPort) {
                filtered.incrementAndGet();
                return 0;
            }
            if (port >= 0 && ports.get(port) != null) {
                return deliver(port, frame, offset, length);
            }
        }
        int copies = 0;
        for (int port = 0; port < ports.length(); port++) {
            if (port != ingressPort) {
                copies += deliver(port, frame, offset, length);
            }
        }
        return copies;
    }

    private int deliver(int port, DirectBuffer frame, int offset, int length) {
        InMemoryNic nic = ports.get(port);
        return nic != null && nic.deliver(frame, offset, length) ? 1 : 0;
    }
}
