package dev.bypass.apps;

import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.TcpConnection;
import dev.bypass.stack.TcpState;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A small HTTP/1.1 origin server (RFC 9110, RFC 9112) for tests and demos:
 * <ul>
 *   <li>{@code GET /bytes/N}: 200 with N bytes of {@link BytePattern} ({@code application/octet-stream});</li>
 *   <li>{@code GET /}: 200 with a line of text;</li>
 *   <li>any other path: 404. {@code HEAD} answers the same header without the body.</li>
 * </ul>
 * Connections persist (RFC 9112 9.3) unless the client sends {@code Connection: close} or speaks
 * HTTP/1.0 without {@code Connection: keep-alive}. Requests may arrive in pieces and may be pipelined
 * (RFC 9112 9.3.2): they are answered one after another, in order.
 *
 * <p>Back-pressure: a response is written only as far as the send buffer takes it and continued on
 * {@code onWritable}; meanwhile no further request is read, so a client that pipelines faster than it
 * reads meets a closed receive window. Bodies are generated chunk by chunk into one scratch buffer shared
 * by all connections, so a response of any size costs no memory; nothing is allocated per request.
 *
 * <p>Not supported, by design: request bodies (a request announcing one gets 400 and the connection
 * closes, since its body cannot be skipped reliably without reading it), methods other than GET and HEAD
 * (405), request heads over {@link #MAX_REQUEST_HEAD_BYTES} (431). A connection closes in stages
 * (RFC 9112 9.6): after the last response the server half-closes and reads until the client closes, so it
 * lingers while a client keeps its side open. There is no {@code Date} header: the
 * server reads no clock (RFC 9110 6.6.1 lets a server without a clock leave it out).
 */
public final class HttpServer extends TcpServer<HttpServer.Exchange> {
    /** The longest request line plus header fields accepted. */
    public static final int MAX_REQUEST_HEAD_BYTES = 8 * 1024;
    /** Path prefix of the generated objects: {@code /bytes/N}. */
    public static final String BYTES_PATH = "/bytes/";
    /** The body of {@code GET /}. */
    public static final String INDEX_TEXT = "bypass HttpServer: GET /bytes/N returns N bytes\n";

    private static final int BODY_CHUNK_BYTES = 64 * 1024;
    private static final int RESPONSE_HEAD_BYTES = 512;
    /** Up to 10^15 - 1 bytes: a length that fits a long with room, and more than any test sends. */
    private static final int MAX_LENGTH_DIGITS = 15;
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';

    private final UnsafeBuffer bodyChunk = new UnsafeBuffer(new byte[BODY_CHUNK_BYTES]);
    private long requests;
    private long notFound;
    private long rejected;
    private long bodyBytes;

    private HttpServer(NetworkStack stack, int port) {
        super(stack, port);
    }

    /** Starts a server on {@code port} of {@code stack}; call on the poll thread. */
    public static HttpServer start(NetworkStack stack, int port) {
        return new HttpServer(stack, port);
    }

    /** Complete request heads received (answered or being answered). */
    public long requests() {
        return requests;
    }

    /** Requests answered with 404. */
    public long notFound() {
        return notFound;
    }

    /** Requests answered with 400, 405 or 431 (the connection then closes). */
    public long rejected() {
        return rejected;
    }

    /** Bytes of generated bodies handed to TCP. */
    public long bodyBytes() {
        return bodyBytes;
    }

    @Override
    protected Exchange newSession() {
        return new Exchange();
    }

    /**
     * One connection: the request bytes not yet answered, and the response being written (its head, then
     * the pattern body from {@code bodyOffset} to {@code bodyEnd}).
     */
    final class Exchange extends TcpServer.Session {
        private final UnsafeBuffer in = new UnsafeBuffer(new byte[MAX_REQUEST_HEAD_BYTES]);
        private final UnsafeBuffer head = new UnsafeBuffer(new byte[RESPONSE_HEAD_BYTES]);
        private int inStart;
        private int inEnd;
        /** Bytes after {@code inStart} already searched for the blank line that ends a request head. */
        private int scanned;
        private int headPosition;
        private int headEnd;
        private long bodyOffset;
        private long bodyEnd;
        private boolean responding;
        private boolean closeAfterResponse;
        /** Our side is closed: the rest of the client's bytes are read and dropped until its FIN. */
        private boolean draining;
        private boolean peerDone;

        @Override
        protected void open() {
            inStart = inEnd = scanned = headPosition = headEnd = 0;
            bodyOffset = bodyEnd = 0;
            responding = closeAfterResponse = draining = peerDone = false;
        }

        /** Writes, parses and reads as far as possible: the whole life of the connection is this loop. */
        @Override
        protected void pump(TcpConnection c) {
            while (true) {
                if (c.state() == TcpState.CLOSED) {
                    finish(); // reset or timed out: onClosed may not come if we finish here first
                    return;
                }
                if (responding) {
                    if (!writeResponse(c)) {
                        return; // send buffer full: onWritable resumes
                    }
                    responding = false;
                    if (closeAfterResponse) {
                        // RFC 9112 9.6: a staged close. Closing at once with requests still unread would
                        // reset the connection and could destroy the last response before the client
                        // reads it; half-close instead and drop what still arrives until the client's FIN.
                        c.shutdownOutput();
                        draining = true;
                    }
                }
                if (draining) {
                    int n = c.read(in, 0, in.capacity());
                    if (n < 0) {
                        finish();
                    }
                    if (n <= 0) {
                        return;
                    }
                    continue;
                }
                int end = requestHeadEnd();
                if (end >= 0) {
                    answer(end);
                    continue;
                }
                if (peerDone) {
                    finish(); // a partial request at the end of the stream is dropped
                    return;
                }
                compact();
                if (inEnd == in.capacity()) {
                    reject(431, "Request Header Fields Too Large", "request head too large\n");
                    continue;
                }
                int n = c.read(in, inEnd, in.capacity() - inEnd);
                if (n == 0) {
                    return;
                }
                if (n < 0) {
                    peerDone = true;
                } else {
                    inEnd += n;
                }
            }
        }

        /**
         * The index just after the blank line ending the request head that starts at {@code inStart}, or
         * -1 if it has not all arrived. Empty lines before a request line are skipped (RFC 9112 2.2).
         */
        private int requestHeadEnd() {
            while (scanned == 0 && inStart < inEnd && (in.getByte(inStart) == CR || in.getByte(inStart) == LF)) {
                inStart++;
            }
            for (int i = Math.max(inStart + 3, inStart + scanned); i < inEnd; i++) {
                if (in.getByte(i) == LF && in.getByte(i - 1) == CR && in.getByte(i - 2) == LF
                    && in.getByte(i - 3) == CR) {
                    scanned = 0;
                    return i + 1;
                }
            }
            scanned = inEnd - inStart;
            return -1;
        }

        private void compact() {
            if (inStart > 0) {
                byte[] bytes = in.byteArray();
                System.arraycopy(bytes, inStart, bytes, 0, inEnd - inStart);
                inEnd -= inStart;
                inStart = 0;
            }
        }

        /** Parses the request head {@code [inStart, end)} and starts its response. */
        private void answer(int end) {
            int start = inStart;
            inStart = end;
            requests++;
            int lineEnd = indexOf(CR, start, end);
            boolean head = startsWith(start, lineEnd, "HEAD ");
            if (!head && !startsWith(start, lineEnd, "GET ")) {
                reject(405, "Method Not Allowed", "only GET and HEAD\n");
                return;
            }
            int targetStart = indexOf(SP, start, lineEnd) + 1;
            int targetEnd = indexOf(SP, targetStart, lineEnd);
            boolean versionFits = targetEnd > 0 && lineEnd - targetEnd == 1 + "HTTP/1.1".length();
            boolean http11 = versionFits && startsWith(targetEnd + 1, lineEnd, "HTTP/1.1");
            boolean http10 = versionFits && startsWith(targetEnd + 1, lineEnd, "HTTP/1.0");
            if (!http11 && !http10) {
                reject(400, "Bad Request", "malformed request line\n");
                return;
            }
            // Header fields: one per line up to the blank line (RFC 9112 5).
            boolean closeToken = false;
            boolean keepAliveToken = false;
            for (int line = lineEnd + 2; line < end - 2; ) {
                int eol = indexOf(CR, line, end);
                int colon = indexOf((byte) ':', line, eol);
                if (colon < 0) {
                    reject(400, "Bad Request", "malformed header field\n");
                    return;
                }
                if (nameIs(line, colon, "connection")) {
                    closeToken |= valueContains(colon + 1, eol, "close");
                    keepAliveToken |= valueContains(colon + 1, eol, "keep-alive");
                } else if (nameIs(line, colon, "transfer-encoding")
                    || (nameIs(line, colon, "content-length") && !valueIsZero(colon + 1, eol))) {
                    reject(400, "Bad Request", "request bodies are not supported\n");
                    return;
                }
                line = eol + 2;
            }
            // RFC 9112 9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
            boolean close = closeToken || (http10 && !keepAliveToken);
            respond(targetStart, targetEnd, head, close, http10 && !close);
        }

        private void respond(int targetStart, int targetEnd, boolean headOnly, boolean close, boolean keepAlive1x0) {
            long length = bytesPathLength(targetStart, targetEnd);
            if (length >= 0) {
                startHead(200, "OK", "application/octet-stream", length, close, keepAlive1x0);
                endHead();
                bodyOffset = 0;
                bodyEnd = headOnly ? 0 : length;
            } else if (targetEnd - targetStart == 1 && in.getByte(targetStart) == '/') {
                staticResponse(200, "OK", INDEX_TEXT, headOnly, close, keepAlive1x0);
            } else {
                notFound++;
                staticResponse(404, "Not Found", "not found\n", headOnly, close, keepAlive1x0);
            }
        }

        /** N of a {@code /bytes/N} target, or -1 for any other target. */
        private long bytesPathLength(int start, int end) {
            int digits = end - start - BYTES_PATH.length();
            if (digits < 1 || digits > MAX_LENGTH_DIGITS || !startsWith(start, end, BYTES_PATH)) {
                return -1;
            }
            long n = 0;
            for (int i = end - digits; i < end; i++) {
                int d = in.getByte(i) - '0';
                if (d < 0 || d > 9) {
                    return -1;
                }
                n = n * 10 + d;
            }
            return n;
        }

        /** Answers with an error and closes once it is sent: the rest of the stream cannot be parsed. */
        private void reject(int status, String reason, String body) {
            rejected++;
            staticResponse(status, reason, body, false, true, false);
        }

        private void staticResponse(int status, String reason, String body, boolean headOnly, boolean close,
                                    boolean keepAlive1x0) {
            startHead(status, reason, "text/plain", body.length(), close, keepAlive1x0);
            if (status == 405) {
                put("Allow: GET, HEAD\r\n");
            }
            endHead();
            if (!headOnly) {
                put(body);
            }
            bodyOffset = bodyEnd = 0;
        }

        private void startHead(int status, String reason, String contentType, long contentLength, boolean close,
                               boolean keepAlive1x0) {
            headPosition = headEnd = 0;
            put("HTTP/1.1 ");
            headEnd += head.putLongAscii(headEnd, status);
            put(" ");
            put(reason);
            put("\r\nServer: bypass\r\nContent-Type: ");
            put(contentType);
            put("\r\nContent-Length: ");
            headEnd += head.putLongAscii(headEnd, contentLength);
            put("\r\n");
            if (close) {
                put("Connection: close\r\n");
            } else if (keepAlive1x0) {
                put("Connection: keep-alive\r\n");
            }
            closeAfterResponse = close;
            responding = true;
        }

        private void endHead() {
            put("\r\n");
        }

        private void put(String ascii) {
            headEnd += head.putStringWithoutLengthAscii(headEnd, ascii);
        }

        /** Writes what remains of the response; true when all of it is in the send buffer. */
        private boolean writeResponse(TcpConnection c) {
            if (headPosition < headEnd) {
                headPosition += c.write(head, headPosition, headEnd - headPosition);
                if (headPosition < headEnd) {
                    return false;
                }
            }
            while (bodyOffset < bodyEnd) {
                int chunk = (int) Math.min(bodyEnd - bodyOffset, bodyChunk.capacity());
                // Generate only what the send buffer takes; asking for the whole chunk anyway makes a short
                // write, which is what arms onWritable.
                BytePattern.fill(bodyChunk, 0, bodyOffset, Math.min(chunk, c.writableBytes()));
                int n = c.write(bodyChunk, 0, chunk);
                bodyOffset += n;
                bodyBytes += n;
                if (n < chunk) {
                    return false;
                }
            }
            return true;
        }

        // ------------------------------------------------------------------ parsing over the buffer

        private int indexOf(byte b, int from, int to) {
            for (int i = from; i < to; i++) {
                if (in.getByte(i) == b) {
                    return i;
                }
            }
            return -1;
        }

        private boolean startsWith(int from, int to, String ascii) {
            if (to - from < ascii.length()) {
                return false;
            }
            for (int i = 0; i < ascii.length(); i++) {
                if (in.getByte(from + i) != ascii.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** Field names are case-insensitive (RFC 9110 5.1); {@code lowerName} is in lower case. */
        private boolean nameIs(int from, int to, String lowerName) {
            if (to - from != lowerName.length()) {
                return false;
            }
            for (int i = 0; i < lowerName.length(); i++) {
                if (Character.toLowerCase(in.getByte(from + i)) != lowerName.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** True if the field value in {@code [from, to)} contains {@code lowerToken}, ignoring case. */
        private boolean valueContains(int from, int to, String lowerToken) {
            for (int i = from; i + lowerToken.length() <= to; i++) {
                if (nameIs(i, i + lowerToken.length(), lowerToken)) {
                    return true;
                }
            }
            return false;
        }

        private boolean valueIsZero(int from, int to) {
            boolean digit = false;
            for (int i = from; i < to; i++) {
                byte b = in.getByte(i);
                if (b == '0') {
                    digit = true;
                } else if (b != SP && b != '\t') {
                    return false;
                }
            }
            return digit;
        }
    }
}
