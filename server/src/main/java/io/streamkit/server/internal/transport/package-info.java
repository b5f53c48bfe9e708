/**
 * Not API: the server's Netty transport: its settings applied to grpc-java's {@code NettyServerBuilder}, the
 * event loops the server owns, and the watch on every connection (connection limit, stuck closes, control-frame
 * limit, abuse bans). Anything here may change without notice.
 */
package io.streamkit.server.internal.transport;
