package dev.bypass.query;

/**
 * The counters of the connect query service and client, each with what a non-zero value means. Every
 * datagram the service reads ends in exactly one of {@link #REPLIES}, {@link #ERRORS} or a
 * {@code query.drop.*} counter ({@link #SEND_FAILED} counts answers the stack then could not send); every datagram the client reads ends in {@link #CLIENT_REPLIES_ACCEPTED},
 * {@link #CLIENT_ERRORS_RECEIVED} or a {@code query_client.drop.*} counter.
 */
public enum QueryCounter {
    // ---- service
    QUERIES("query.queries", "datagrams read by the service"),
    REPLIES("query.replies", "replies sent (one page each)"),
    ERRORS("query.errors", "error replies sent (unsupported version or protocol, query too short, page out of range)"),
    ERROR_UNSUPPORTED_VERSION("query.error.unsupported_version", "queries of a version the service does not speak, answered with the versions it does"),
    ERROR_QUERY_TOO_SHORT("query.error.query_too_short", "queries under 64 bytes (not padded), answered with the minimum length"),
    ERROR_PAGE_OUT_OF_RANGE("query.error.page_out_of_range", "queries for a page past the last (the list shrank while a client paged)"),
    ERROR_UNSUPPORTED_PROTOCOL("query.error.unsupported_protocol", "queries for a transport other than TCP or UDP"),
    DROP_TRUNCATED("query.drop.truncated", "datagram shorter than the header or its type's fixed part: not a query"),
    DROP_BAD_MAGIC("query.drop.bad_magic", "datagram not starting with 'BPQ': another protocol sent to the query port"),
    DROP_UNKNOWN_TYPE("query.drop.unknown_type", "message type unknown"),
    DROP_NOT_A_QUERY("query.drop.not_a_query", "a REPLY or ERROR sent to the service: a reflection attempt, or a confused peer"),
    DROP_VERSION_TOO_SHORT("query.drop.version_too_short", "unknown version in a datagram shorter than an error reply: not answered"),
    DROP_NO_SOURCE_PORT("query.drop.no_source_port", "datagram from source port 0, which cannot be answered"),
    DROP_RATE_LIMITED("query.drop.rate_limited", "answer not sent: its source exceeded its token bucket (a flood, or a client querying too often)"),
    SEND_FAILED("query.send_failed", "a reply or error (counted as such) not sent: the stack had no route or no frame buffer"),
    RATE_LIMIT_EVICTIONS("query.rate_limit_evictions", "a source's token bucket was evicted to make room (more active sources than the table holds)"),

    // ---- client
    CLIENT_QUERIES("query_client.queries", "queries sent (first attempts, one per page)"),
    CLIENT_RETRIES("query_client.retries", "queries sent again after a timeout (loss, or a silent service)"),
    CLIENT_REPLIES_ACCEPTED("query_client.replies", "reply pages matched to a query and taken"),
    CLIENT_ERRORS_RECEIVED("query_client.errors", "error replies matched to a query (the public tuple is used)"),
    CLIENT_CACHE_HITS("query_client.cache_hits", "connections resolved from the cache, without a query"),
    CLIENT_RESOLVED("query_client.resolved", "connections resolved to a bypass tuple after a query"),
    CLIENT_FALLBACKS("query_client.fallbacks", "connections sent to the public tuple: no reply in time, an error, no valid tuple, or no room to wait"),
    CLIENT_RESTARTS("query_client.restarts", "paged reads started again: the table version changed between pages"),
    CLIENT_DROP_MALFORMED("query_client.drop.malformed", "datagram on the client's port that is not a well-formed reply or error"),
    CLIENT_DROP_UNMATCHED("query_client.drop.unmatched", "reply whose nonce matches no query in flight: late (after a retry or timeout), or spoofed"),
    CLIENT_DROP_WRONG_SOURCE("query_client.drop.wrong_source", "reply with a matching nonce from another address or port than asked, or for another tuple or page: spoofed"),
    CLIENT_DROP_NOT_A_REPLY("query_client.drop.not_a_reply", "a QUERY sent to the client's port");

    private final String label;
    private final String meaning;

    QueryCounter(String label, String meaning) {
        this.label = label;
        this.meaning = meaning;
    }

    public String label() {
        return label;
    }

    /** What a non-zero value means. */
    public String meaning() {
        return meaning;
    }
}
