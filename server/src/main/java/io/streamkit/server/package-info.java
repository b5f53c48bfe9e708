/**
 * The embeddable StreamKit server: build one, start it, close it. Behaviour comes from the handlers of
 * {@link io.streamkit.server.handler}; topics from a broker of {@link io.streamkit.server.broker}; who may call
 * from {@link io.streamkit.server.security}. The command line and the runnable jar are the {@code server-app}
 * module's, not this library's.
 *
 * <ul>
 *   <li>{@link io.streamkit.server.StreamKitServer}: the server and its builder ({@code StreamKitServer.builder()},
 *       {@code start()}, {@code close()}); thread-safe, owned and closed by whoever built it.</li>
 *   <li>{@link io.streamkit.server.ServerSettings}: where it listens, per-stream limits, blocking pool, shutdown
 *       grace period; an immutable value.</li>
 *   <li>{@link io.streamkit.server.ConnectionSettings}: keepalive, idle and age limits, per-connection limits,
 *       rapid-reset protection, compression; an immutable value.</li>
 *   <li>{@link io.streamkit.server.HttpSettings}: the HTTP port for browsers (Connect, gRPC-Web, Server-Sent
 *       Events, the web console; docs/WEB.md), off by default; an immutable value.</li>
 *   <li>{@link io.streamkit.server.ServerStats}: a snapshot of the open streams and buffered bytes.</li>
 *   <li>{@link io.streamkit.server.ErrorDetails}: typed reasons ({@code google.rpc.ErrorInfo}, domain
 *       {@code streamkit.io}) on the statuses a handler or broker of your own ends calls with; every reason, its
 *       code and metadata are in {@code docs/ERRORS.md}.</li>
 * </ul>
 *
 * <p>Everything under {@code io.streamkit.server.internal} is not API.
 */
package io.streamkit.server;
