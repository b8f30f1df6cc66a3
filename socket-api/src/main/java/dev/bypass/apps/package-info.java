/**
 * Small services on the run-to-completion API: their handlers ({@link dev.bypass.stack.TcpHandler},
 * {@link dev.bypass.stack.UdpSocket.Handler}) run on the stack's poll thread, with no thread of their own
 * and no allocation per request once warm.
 *
 * <ul>
 *   <li>{@link dev.bypass.apps.HttpServer}: HTTP/1.1 with keep-alive and pipelining; {@code GET /bytes/N}
 *       answers N bytes of {@link dev.bypass.apps.BytePattern}.</li>
 *   <li>{@link dev.bypass.apps.EchoServer}: sends back what it receives (RFC 862).</li>
 *   <li>{@link dev.bypass.apps.UdpEchoServer}: the same for UDP datagrams.</li>
 *   <li>{@link dev.bypass.apps.DiscardServer}: a sink that counts and hashes what it receives (RFC 863).</li>
 *   <li>{@link dev.bypass.apps.TcpSender}: a client that sends a {@link dev.bypass.apps.ByteSource},
 *       half-closes, and counts and hashes the answer.</li>
 * </ul>
 *
 * <p>Every method of these classes runs on the poll thread (through {@code PollLoop.call}, or from a
 * handler) unless its Javadoc says otherwise; results meant for other threads are handed over through a
 * {@link java.util.concurrent.CompletableFuture} or a blocking queue.
 */
package dev.bypass.apps;
