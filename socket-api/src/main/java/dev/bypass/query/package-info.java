/**
 * The connect query (README, "The connect query protocol"): which bypass tuples (private IP of resource k,
 * port) stand for a public tuple (public IP, port).
 *
 * <ul>
 *   <li>{@link dev.bypass.query.BypassTupleTable}: the immutable, versioned answer the host publishes.
 *   <li>{@link dev.bypass.query.ConnectQueryService}: answers queries on the public resource's poll thread,
 *       through {@link dev.bypass.query.ConnectQueryResponder}.
 *   <li>{@link dev.bypass.query.ConnectQueryClient}: asks, caches for the TTL, and falls back to the public
 *       tuple, on a client stack's poll thread.
 *   <li>{@link dev.bypass.query.TuplePolicy}: how a client chooses among the valid tuples.
 *   <li>{@link dev.bypass.query.nio.NioConnectQuery}: the same for plain JVM clients on kernel sockets.
 * </ul>
 *
 * The wire codec is {@link dev.bypass.stack.query.ConnectQueryMessage}, in the stack module.
 */
package dev.bypass.query;
