/**
 * The connect query protocol's wire format: {@link dev.bypass.stack.query.ConnectQueryMessage}, a flyweight
 * over the QUERY, REPLY and ERROR messages, and {@link dev.bypass.stack.query.QueryCheck}, its verdict on a
 * received datagram. Pure: no sockets, no clock, no allocation. The service and clients are in socket-api's
 * {@code dev.bypass.query}.
 */
package dev.bypass.stack.query;
