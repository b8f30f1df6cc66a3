package dev.bypass.apps;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpError;
import dev.bypass.stack.TcpHandler;
import dev.bypass.stack.TcpState;
import dev.bypass.stack.addr.Endpoint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An HTTP/1.1 client for one GET: connects, sends the request ({@code Connection: close}), reads the
 * response with an {@link HttpResponseParser} and hands the body to a {@link Sink} as it arrives, hashing it
 * with SHA-256 on the way. Completes {@link #completion()} when the response is complete, the connection
 * failed, or the response was malformed.
 *
 * <p>Runs on the poll thread, like the other apps; the sink is called there too (a sink that blocks, writing
 * to a slow disk or pipe, holds the poll thread up: the receive window closes and the server waits, which is
 * TCP's own back-pressure).
 */
public final class HttpGet implements TcpHandler {
    private static final int READ_CHUNK_BYTES = 64 * 1024;

    /** Where the body goes; called on the poll thread. */
    @FunctionalInterface
    public interface Sink {
        void write(byte[] bytes, int offset, int length) throws Exception;
    }

    /**
     * How it went.
     *
     * @param status        the status code (0 if no response arrived)
     * @param head          the response's status line and header fields
     * @param bodyBytes     body bytes received (decoded)
     * @param contentLength the announced length, or -1
     * @param sha256        SHA-256 of the body, 64 hex digits
     * @param problem       why the response is incomplete or unusable, or null
     * @param connectedNs   nanoseconds from the start to the connection being established (-1 if never)
     * @param totalNs       nanoseconds from the start to the end
     */
    public record Result(int status, String reason, String head, long bodyBytes, long contentLength, String sha256,
                         String problem, long connectedNs, long totalNs) {
        /** A complete response with a 2xx status. */
        public boolean ok() {
            return problem == null && status >= 200 && status < 300;
        }
    }

    private final NetworkStack stack;
    private final byte[] request;
    private final UnsafeBuffer requestBuffer;
    private final Sink sink;
    private final MessageDigest sha256 = BytePattern.newSha256();
    private final UnsafeBuffer chunk = new UnsafeBuffer(new byte[READ_CHUNK_BYTES]);
    private final HttpResponseParser parser;
    private final CompletableFuture<Result> completion = new CompletableFuture<>();
    private final TcpConnection connection;
    private final long startNs;
    private int requestSent;
    private long connectedNs = -1;
    private String sinkProblem;

    private HttpGet(NetworkStack stack, Endpoint server, String host, String path, Sink sink) {
        this.stack = stack;
        this.sink = sink;
        this.request = ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: bypass\r\nAccept: */*\r\n"
            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        this.requestBuffer = new UnsafeBuffer(request);
        this.parser = new HttpResponseParser(this::body, false);
        this.startNs = stack.nowNs();
        this.connection = stack.tcp().connect(server);
        connection.handler(this);
    }

    /**
     * Starts a GET of {@code path} from {@code server}; call on the poll thread.
     *
     * @param host the Host field: the URL's authority, e.g. {@code 198.18.0.1:8000}
     */
    public static HttpGet start(NetworkStack stack, Endpoint server, String host, String path, Sink sink) {
        if (path.isEmpty() || path.charAt(0) != '/' || path.chars().anyMatch(c -> c <= ' ' || c >= 0x7F)) {
            throw new IllegalArgumentException("request target must start with / and hold no spaces or control "
                + "characters: '" + path + "'");
        }
        return new HttpGet(stack, server, host, path, sink);
    }

    public CompletableFuture<Result> completion() {
        return completion;
    }

    /** Body bytes so far: for progress, on the poll thread. */
    public long bodyBytes() {
        return parser.bodyBytes();
    }

    public TcpConnection connection() {
        return connection;
    }

    private void body(byte[] bytes, int offset, int length) {
        sha256.update(bytes, offset, length);
        if (sinkProblem == null) {
            try {
                sink.write(bytes, offset, length);
            } catch (Exception e) {
                sinkProblem = "cannot write the body: " + e.getMessage();
            }
        }
    }

    @Override
    public void onConnected(TcpConnection c) {
        connectedNs = stack.nowNs() - startNs;
        sendRequest(c);
    }

    @Override
    public void onWritable(TcpConnection c) {
        sendRequest(c);
    }

    private void sendRequest(TcpConnection c) {
        if (requestSent < request.length && c.state() != TcpState.CLOSED) {
            requestSent += c.write(requestBuffer, requestSent, request.length - requestSent);
        }
    }

    @Override
    public void onReadable(TcpConnection c) {
        byte[] array = chunk.byteArray();
        while (!completion.isDone()) {
            int n = c.read(chunk, 0, array.length);
            if (n < 0) {
                parser.endOfInput();
                finish(c, null);
                return;
            }
            if (n == 0) {
                return;
            }
            parser.feed(array, 0, n);
            if (sinkProblem != null) {
                finish(c, sinkProblem);
                return;
            }
            if (parser.done() || parser.failed()) {
                finish(c, null);
                return;
            }
        }
    }

    @Override
    public void onClosed(TcpConnection c) {
        if (!completion.isDone()) {
            parser.endOfInput();
            finish(c, c.error() == TcpError.NONE ? null : c.error().message());
        }
    }

    private void finish(TcpConnection c, String extra) {
        if (completion.isDone()) {
            return;
        }
        String problem = extra;
        if (problem == null && parser.failed()) {
            problem = parser.problem();
        }
        if (problem == null && !parser.done()) {
            problem = "incomplete response";
        }
        if (problem != null && parser.status() == 0 && connectedNs < 0 && c.error() != TcpError.NONE) {
            problem = "could not connect: " + c.error().message();
        }
        c.close();
        completion.complete(new Result(parser.status(), parser.reason(), parser.head(), parser.bodyBytes(),
            parser.contentLength(), HexFormat.of().formatHex(sha256.digest()), problem, connectedNs,
            stack.nowNs() - startNs));
    }
}
