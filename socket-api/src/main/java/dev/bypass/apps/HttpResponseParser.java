package dev.bypass.apps;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads an HTTP/1.1 response (RFC 9112) as it arrives, in pieces of any size: the status line and header
 * fields, then the body by {@code Content-Length}, by chunked transfer coding (RFC 9112 7.1, trailers read
 * and dropped), or until the connection closes. Interim 1xx responses are skipped; 204, 304 and answers to
 * HEAD have no body. The body is handed to a {@link Body} as it comes, never held.
 *
 * <p>Not for untrusted peers at scale: one instance per response; the head is kept (at most
 * {@link #MAX_HEAD_BYTES}).
 */
public final class HttpResponseParser {
    /** The longest status line plus header fields accepted. */
    public static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final int MAX_CHUNK_LINE = 1024;

    /** Where the body goes. */
    @FunctionalInterface
    public interface Body {
        void accept(byte[] bytes, int offset, int length);
    }

    private enum State { HEAD, BODY_LENGTH, BODY_UNTIL_CLOSE, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, DONE, FAILED }

    private final Body body;
    private final boolean headRequest;
    private final byte[] head = new byte[MAX_HEAD_BYTES];
    private int headLength;
    private final StringBuilder line = new StringBuilder();
    private State state = State.HEAD;
    private int status;
    private String reason = "";
    private String headText = "";
    private long contentLength = -1;
    private boolean chunked;
    private long remaining;
    private long bodyBytes;
    private String problem;

    /** A parser for the answer to a GET (or, with {@code headRequest}, a HEAD) that hands the body to {@code body}. */
    public HttpResponseParser(Body body, boolean headRequest) {
        this.body = body;
        this.headRequest = headRequest;
    }

    /** Takes the next bytes received. Once {@link #done()} or {@link #failed()}, further bytes are ignored. */
    public void feed(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end && state != State.DONE && state != State.FAILED) {
            switch (state) {
                case HEAD -> i = head(bytes, i, end);
                case BODY_LENGTH -> {
                    int n = (int) Math.min(remaining, end - i);
                    deliver(bytes, i, n);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.DONE;
                    }
                }
                case BODY_UNTIL_CLOSE -> {
                    deliver(bytes, i, end - i);
                    i = end;
                }
                case CHUNK_SIZE, CHUNK_DATA_END, TRAILERS -> i = chunkLine(bytes, i, end);
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, end - i);
                    deliver(bytes, i, n);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_DATA_END;
                    }
                }
                default -> i = end;
            }
        }
    }

    /** The connection closed: a body delimited by the close ends here; anything else unfinished fails. */
    public void endOfInput() {
        switch (state) {
            case BODY_UNTIL_CLOSE -> state = State.DONE;
            case DONE, FAILED -> {
            }
            case HEAD -> fail(headLength == 0 ? "the server closed without answering"
                : "the server closed in the middle of the response header");
            case BODY_LENGTH -> fail("the server closed after " + bodyBytes + " of " + contentLength + " body bytes");
            default -> fail("the server closed in the middle of a chunked body, after " + bodyBytes + " bytes");
        }
    }

    private void deliver(byte[] bytes, int offset, int length) {
        if (length > 0) {
            bodyBytes += length;
            body.accept(bytes, offset, length);
        }
    }

    private int head(byte[] bytes, int i, int end) {
        while (i < end) {
            if (headLength == head.length) {
                fail("response header longer than " + MAX_HEAD_BYTES + " bytes");
                return end;
            }
            byte b = bytes[i++];
            head[headLength++] = b;
            if (b == '\n' && headLength >= 2 && endsHead()) {
                parseHead();
                return i;
            }
        }
        return i;
    }

    /** The head ends with an empty line: CRLF CRLF (or, tolerated by RFC 9112 2.2, LF LF). */
    private boolean endsHead() {
        int n = headLength;
        return (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r')
            || head[n - 2] == '\n';
    }

    private void parseHead() {
        String text = new String(head, 0, headLength, StandardCharsets.ISO_8859_1);
        headLength = 0;
        String[] lines = text.split("\r?\n");
        String statusLine = lines[0];
        if (!statusLine.matches("HTTP/1\\.[01] \\d{3}( .*)?")) {
            fail("not an HTTP/1.x status line: '" + printable(statusLine) + "'");
            return;
        }
        int code = Integer.parseInt(statusLine.substring(9, 12));
        if (code >= 100 && code < 200) {
            return; // interim response (100 Continue, 103 Early Hints): the real one follows
        }
        status = code;
        reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
        headText = text;
        for (int k = 1; k < lines.length; k++) {
            String l = lines[k];
            int colon = l.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = l.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = l.substring(colon + 1).strip();
            switch (name) {
                case "content-length" -> {
                    if (!value.matches("\\d{1,18}") || (contentLength >= 0 && contentLength != Long.parseLong(value))) {
                        fail("bad Content-Length: '" + printable(value) + "'");
                        return;
                    }
                    contentLength = Long.parseLong(value);
                }
                case "transfer-encoding" -> {
                    String last = value.toLowerCase(Locale.ROOT);
                    int comma = last.lastIndexOf(',');
                    chunked = (comma < 0 ? last : last.substring(comma + 1)).strip().equals("chunked");
                    if (!chunked) {
                        fail("transfer coding '" + printable(value) + "' is not supported (only chunked)");
                        return;
                    }
                }
                default -> {
                    // other fields are only reported
                }
            }
        }
        if (headRequest || status == 204 || status == 304) {
            state = State.DONE;
        } else if (chunked) {
            contentLength = -1; // RFC 9112 6.3: Transfer-Encoding overrides Content-Length
            state = State.CHUNK_SIZE;
        } else if (contentLength >= 0) {
            remaining = contentLength;
            state = contentLength == 0 ? State.DONE : State.BODY_LENGTH;
        } else {
            state = State.BODY_UNTIL_CLOSE;
        }
    }

    /** One line of chunked framing: a chunk size, the CRLF after a chunk's data, or a trailer. */
    private int chunkLine(byte[] bytes, int i, int end) {
        while (i < end) {
            byte b = bytes[i++];
            if (b != '\n') {
                if (line.length() == MAX_CHUNK_LINE) {
                    fail("chunk line longer than " + MAX_CHUNK_LINE + " bytes");
                    return end;
                }
                line.append((char) (b & 0xFF));
                continue;
            }
            String l = line.toString();
            line.setLength(0);
            if (l.endsWith("\r")) {
                l = l.substring(0, l.length() - 1);
            }
            switch (state) {
                case CHUNK_DATA_END -> {
                    if (!l.isEmpty()) {
                        fail("chunk data not followed by CRLF");
                        return end;
                    }
                    state = State.CHUNK_SIZE;
                }
                case CHUNK_SIZE -> {
                    int semicolon = l.indexOf(';');
                    String size = (semicolon < 0 ? l : l.substring(0, semicolon)).strip();
                    if (!size.matches("[0-9A-Fa-f]{1,15}")) {
                        fail("bad chunk size line: '" + printable(l) + "'");
                        return end;
                    }
                    remaining = Long.parseLong(size, 16);
                    state = remaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
                }
                case TRAILERS -> {
                    if (l.isEmpty()) {
                        state = State.DONE;
                    }
                }
                default -> {
                }
            }
            return i;
        }
        return i;
    }

    private void fail(String why) {
        if (problem == null) {
            problem = why;
        }
        state = State.FAILED;
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** The whole response has arrived. */
    public boolean done() {
        return state == State.DONE;
    }

    /** The response is malformed or ended early: see {@link #problem()}. */
    public boolean failed() {
        return state == State.FAILED;
    }

    /** Why it failed, or null. */
    public String problem() {
        return problem;
    }

    /** The status code, 0 until the header has arrived. */
    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    /** The final response's head as received (status line and fields), "" until it has arrived. */
    public String head() {
        return headText;
    }

    /** Content-Length, or -1 (none, or chunked). */
    public long contentLength() {
        return contentLength;
    }

    public boolean chunked() {
        return chunked;
    }

    /** Body bytes handed over so far (decoded: without chunk framing). */
    public long bodyBytes() {
        return bodyBytes;
    }
}
