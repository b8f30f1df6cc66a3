package dev.bypass.stack;

/**
 * Connections by four-tuple: open addressing with linear probing over a power-of-two array of
 * connection references, deletion by backward shift (no tombstones), a keyed hash so that a peer cannot
 * aim many tuples at one bucket. Sized at start for the stack's connection limit; allocates nothing.
 */
final class TcpConnectionTable {
    private final TcpConnection[] slots;
    private final int mask;
    private final int key;
    private int size;

    TcpConnectionTable(int maxConnections, int hashKey) {
        int capacity = Integer.highestOneBit(Math.max(4, maxConnections * 2 - 1)) << 1;
        slots = new TcpConnection[capacity];
        mask = capacity - 1;
        key = hashKey;
    }

    private int hash(int localAddress, int localPort, int remoteAddress, int remotePort) {
        int h = key ^ remoteAddress * 0x9E3779B1 ^ localAddress * 0x85EBCA77 ^ (localPort << 16 | remotePort) * 0xC2B2AE3D;
        h ^= h >>> 15;
        h *= 0x2C1B3C6D;
        h ^= h >>> 12;
        return h;
    }

    TcpConnection get(int localAddress, int localPort, int remoteAddress, int remotePort) {
        int i = hash(localAddress, localPort, remoteAddress, remotePort) & mask;
        TcpConnection c;
        while ((c = slots[i]) != null) {
            if (c.remotePort == remotePort && c.remoteAddress == remoteAddress && c.localPort == localPort
                && c.localAddress == localAddress) {
                return c;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    void put(TcpConnection connection) {
        int i = hash(connection.localAddress, connection.localPort, connection.remoteAddress, connection.remotePort) & mask;
        while (slots[i] != null) {
            if (slots[i] == connection) {
                return;
            }
            i = (i + 1) & mask;
        }
        slots[i] = connection;
        size++;
    }

    void remove(TcpConnection connection) {
        int i = hash(connection.localAddress, connection.localPort, connection.remoteAddress, connection.remotePort) & mask;
        while (slots[i] != connection) {
            if (slots[i] == null) {
                return;
            }
            i = (i + 1) & mask;
        }
        slots[i] = null;
        size--;
        // Backward shift: move later entries of the probe run into the hole if their home allows it.
        int hole = i;
        int j = (i + 1) & mask;
        TcpConnection c;
        while ((c = slots[j]) != null) {
            int home = hash(c.localAddress, c.localPort, c.remoteAddress, c.remotePort) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                slots[hole] = c;
                slots[j] = null;
                hole = j;
            }
            j = (j + 1) & mask;
        }
    }

    int size() {
        return size;
    }
}
