/**
 * The StreamKit server: {@link io.streamkit.server.StreamKitServer} to embed it, {@link
 * io.streamkit.server.ServerMain} to run it as a service. Behaviour comes from the handlers of {@code
 * io.streamkit.server.handler}.
 */
package io.streamkit.server;
