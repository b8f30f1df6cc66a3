package dev.bypass.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpResponseParserTest {
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    private HttpResponseParser parser() {
        body.reset();
        return new HttpResponseParser(body::write, false);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Feeds {@code response} cut at {@code cut} (and whole when cut is 0). */
    private HttpResponseParser feed(String response, int cut) {
        HttpResponseParser p = parser();
        byte[] b = bytes(response);
        int at = cut == 0 ? b.length : Math.min(cut, b.length);
        p.feed(b, 0, at);
        p.feed(b, at, b.length - at);
        return p;
    }

    @Test
    void a_content_length_body_arrives_whole_however_it_is_cut() {
        String response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world";
        for (int cut = 0; cut <= response.length(); cut++) {
            HttpResponseParser p = feed(response, cut);
            assertTrue(p.done(), "cut at " + cut);
            assertEquals(200, p.status());
            assertEquals("OK", p.reason());
            assertEquals(11, p.contentLength());
            assertEquals("hello world", body.toString(StandardCharsets.ISO_8859_1), "cut at " + cut);
        }
    }

    @Test
    void byte_by_byte_is_the_same_as_at_once() {
        String response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde";
        HttpResponseParser p = parser();
        for (byte b : bytes(response)) {
            p.feed(new byte[] {b}, 0, 1);
        }
        assertTrue(p.done());
        assertEquals("abcde", body.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void a_chunked_body_is_decoded_with_extensions_and_trailers() {
        String response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";
        for (int cut = 0; cut <= response.length(); cut++) {
            HttpResponseParser p = feed(response, cut);
            assertTrue(p.done(), "cut at " + cut + ": " + p.problem());
            assertTrue(p.chunked());
            assertEquals(-1, p.contentLength());
            assertEquals("hello 0123456789", body.toString(StandardCharsets.ISO_8859_1), "cut at " + cut);
            assertEquals(16, p.bodyBytes());
        }
    }

    @Test
    void without_a_length_the_body_ends_with_the_connection() {
        HttpResponseParser p = feed("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of it", 0);
        assertFalse(p.done());
        p.endOfInput();
        assertTrue(p.done());
        assertEquals("all of it", body.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void an_interim_response_is_skipped_and_204_has_no_body() {
        HttpResponseParser p = feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", 0);
        assertTrue(p.done());
        assertEquals(204, p.status());
        assertEquals(0, p.bodyBytes());
        assertTrue(p.head().startsWith("HTTP/1.1 204 No Content\r\n"), p.head());
    }

    @Test
    void a_short_body_is_reported_with_how_much_came() {
        HttpResponseParser p = feed("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", 0);
        p.endOfInput();
        assertTrue(p.failed());
        assertEquals("the server closed after 9 of 100 body bytes", p.problem());
    }

    @Test
    void malformed_responses_fail_with_the_reason() {
        HttpResponseParser notHttp = feed("SSH-2.0-OpenSSH_9.6\r\n\r\n", 0);
        assertTrue(notHttp.failed());
        assertEquals("not an HTTP/1.x status line: 'SSH-2.0-OpenSSH_9.6'", notHttp.problem());

        HttpResponseParser badLength = feed("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0);
        assertEquals("bad Content-Length: '-1'", badLength.problem());

        HttpResponseParser badChunk = feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0);
        assertEquals("bad chunk size line: 'zz'", badChunk.problem());

        HttpResponseParser gzip = feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0);
        assertEquals("transfer coding 'gzip' is not supported (only chunked)", gzip.problem());

        HttpResponseParser silent = parser();
        silent.endOfInput();
        assertEquals("the server closed without answering", silent.problem());
    }
}
