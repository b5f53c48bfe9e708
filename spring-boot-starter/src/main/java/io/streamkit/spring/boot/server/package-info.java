/**
 * An embedded StreamKit server in a Spring Boot application, on with {@code streamkit.server.enabled=true}: a
 * {@link io.streamkit.server.StreamKitServer} whose options are the {@code streamkit.server.*} properties
 * ({@link io.streamkit.spring.boot.server.StreamKitServerProperties}, named as the server's command-line options),
 * serving every {@link io.streamkit.server.handler.MessageHandler},
 * {@link io.streamkit.server.security.Authenticator} and {@link io.streamkit.server.security.Authorizer} bean;
 * started and drained by {@link io.streamkit.spring.boot.server.StreamKitServerLifecycle} in the context's
 * lifecycle, reported by {@link io.streamkit.spring.boot.server.StreamKitHealthIndicator}, and metered in the
 * application's Micrometer {@code MeterRegistry}.
 */
package io.streamkit.spring.boot.server;
