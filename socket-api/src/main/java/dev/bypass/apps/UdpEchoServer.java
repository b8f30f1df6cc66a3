package dev.bypass.apps;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.UdpSocket;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * UDP echo (RFC 862): each datagram goes back to its sender as it came, up to the largest IPv4 datagram
 * (65,507 bytes; the stack fragments what exceeds the MTU). A reply the stack cannot send (no route, no
 * buffer) is counted in {@link #unsent()}. Runs on the poll thread; no allocation per datagram.
 */
public final class UdpEchoServer implements UdpSocket.Handler {
    private static final int LARGEST_IPV4_DATAGRAM = 65_507;

    private final UdpSocket socket;
    private final UnsafeBuffer datagram = new UnsafeBuffer(new byte[LARGEST_IPV4_DATAGRAM]);
    private long echoed;
    private long unsent;

    private UdpEchoServer(NetworkStack stack, int port) {
        socket = stack.udp().open(port);
        socket.handler(this);
    }

    /** Starts an echo server on UDP {@code port} of {@code stack}; call on the poll thread. */
    public static UdpEchoServer start(NetworkStack stack, int port) {
        return new UdpEchoServer(stack, port);
    }

    @Override
    public void onReadable(UdpSocket s) {
        int n;
        while ((n = s.receive(datagram, 0, datagram.capacity())) >= 0) {
            if (s.send(s.lastSourceAddress(), s.lastSourcePort(), datagram, 0, n)) {
                echoed++;
            } else {
                unsent++;
            }
        }
    }

    /** Datagrams sent back. */
    public long echoed() {
        return echoed;
    }

    /** Datagrams received whose echo the stack refused. */
    public long unsent() {
        return unsent;
    }

    public int port() {
        return socket.port();
    }

    public void close() {
        socket.close();
    }
}
