/**
 * The embeddable StreamKit server: {@link io.streamkit.server.StreamKitServer} (build, start, close),
 * {@link io.streamkit.server.ServerSettings} and {@link io.streamkit.server.ConnectionSettings} (its typed
 * options) and {@link io.streamkit.server.ServerStats}. Behaviour comes from the handlers of
 * {@code io.streamkit.server.handler}; topics from a broker of {@code io.streamkit.server.broker}; who may call
 * from {@code io.streamkit.server.security}. The command line and the runnable jar are the {@code server-app}
 * module's, not this library's.
 */
package io.streamkit.server;
