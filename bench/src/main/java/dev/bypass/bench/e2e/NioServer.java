package dev.bypass.bench.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The kernel's side of the end-to-end benchmark: TCP echo and discard services on the Linux kernel through
 * plain Java NIO, one busy-polling thread ({@code selectNow} in a loop), non-blocking, TCP_NODELAY: the
 * same services {@code ./bypass serve} offers, so kernel-to-kernel and bypass-to-kernel runs use the same
 * client against the same protocol. The discard service closes when the client has closed its side.
 */
public final class NioServer implements AutoCloseable {
    private final Selector selector;
    private final ServerSocketChannel echo;
    private final ServerSocketChannel discard;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
    private final java.util.function.Consumer<SelectionKey> onReady = this::ready;
    private volatile boolean running = true;

    public NioServer(String address, int echoPort, int discardPort) throws IOException {
        selector = Selector.open();
        echo = listen(address, echoPort);
        discard = listen(address, discardPort);
    }

    private ServerSocketChannel listen(String address, int port) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.bind(new InetSocketAddress(address, port), 128);
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_ACCEPT);
        return ch;
    }

    /** The echo service's port (the one asked for, or the one the kernel picked for 0). */
    public int echoPort() throws IOException {
        return ((InetSocketAddress) echo.getLocalAddress()).getPort();
    }

    /** The discard service's port. */
    public int discardPort() throws IOException {
        return ((InetSocketAddress) discard.getLocalAddress()).getPort();
    }

    /**
     * Serves until {@link #close} (from another thread) or forever. Ready keys go to a consumer made once
     * ({@code selectNow(Consumer)}): no iterator per wake-up, so serving a connection allocates nothing.
     */
    public void serve() throws IOException {
        serve(new BusySpinIdleStrategy());
    }

    /** As {@link #serve()}, idling with {@code idle} after a {@code selectNow} that found nothing. */
    public void serve(IdleStrategy idle) throws IOException {
        while (running) {
            try {
                idle.idle(selector.selectNow(onReady));
            } catch (ClosedSelectorException closed) {
                return;
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }

    private void ready(SelectionKey key) {
        try {
            if (key.isAcceptable()) {
                ServerSocketChannel server = (ServerSocketChannel) key.channel();
                SocketChannel c = server.accept();
                if (c != null) {
                    c.configureBlocking(false);
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.register(selector, SelectionKey.OP_READ, server == echo ? Boolean.TRUE : Boolean.FALSE);
                }
            } else if (key.isReadable()) {
                serve(key);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void serve(SelectionKey key) throws IOException {
        SocketChannel c = (SocketChannel) key.channel();
        boolean isEcho = (Boolean) key.attachment();
        int n;
        try {
            n = c.read(buffer.clear());
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            key.cancel();
            c.close();
            return;
        }
        if (isEcho && n > 0) {
            buffer.flip();
            while (buffer.hasRemaining()) {
                c.write(buffer); // busy: a ping-pong echo is small, a full send buffer drains quickly
            }
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        selector.close();
        echo.close();
        discard.close();
    }

    /** {@code address echoPort discardPort}: serves until killed. */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: NioServer ADDRESS ECHO_PORT DISCARD_PORT");
            System.exit(2);
        }
        NioServer server = new NioServer(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        System.out.println("listening on " + args[0] + " echo " + args[1] + " discard " + args[2]);
        System.out.flush();
        server.serve();
    }
}
