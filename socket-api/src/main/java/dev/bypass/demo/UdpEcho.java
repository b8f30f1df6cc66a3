package dev.bypass.demo;

import dev.bypass.stack.UdpSocket;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** A UDP echo service on the stack's thread: every datagram goes back to its sender. */
public final class UdpEcho implements UdpSocket.Handler {
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(65536));
    private long echoed;

    public UdpEcho(UdpSocket socket) {
        socket.handler(this);
    }

    @Override
    public void onReadable(UdpSocket socket) {
        int n;
        while ((n = socket.receive(buffer, 0, buffer.capacity())) >= 0) {
            if (socket.send(socket.lastSourceAddress(), socket.lastSourcePort(), buffer, 0, n)) {
                echoed++;
            }
        }
    }

    public long echoed() {
        return echoed;
    }
}
