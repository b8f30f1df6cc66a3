package dev.bypass.stack.addr;

/**
 * The four-tuple that names a connection (the protocol is implied by the table it is kept in), from
 * this stack's point of view: {@code local} is ours, {@code remote} the peer's.
 */
public record ConnectionTuple(Endpoint local, Endpoint remote) {
    public ConnectionTuple {
        if (local == null || remote == null) {
            throw new IllegalArgumentException("connection tuple needs both endpoints");
        }
    }

    @Override
    public String toString() {
        return local + "<->" + remote;
    }
}
