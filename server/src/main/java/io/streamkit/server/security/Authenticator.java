package io.streamkit.server.security;

import io.grpc.Metadata;
import io.grpc.StatusException;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/**
 * Decides who the caller of a call is, or refuses the call. The server asks it once per call of
 * {@code streamkit.v1.StreamService} and {@code example.Greeter}, before the call reaches a handler or the
 * broker; the principal it returns is the call's for its whole life. Health and reflection are not asked.
 *
 * <h2>Discovery</h2>
 * Registered with {@code StreamKitServer.builder().authenticator(...)}, or found with
 * {@link java.util.ServiceLoader} (a public no-argument constructor and a line in
 * {@code META-INF/services/io.streamkit.server.security.Authenticator}). A server has at most one: two (counting
 * {@code --auth-tokens}) stop start-up with a message naming both classes. A constructor must not throw. The server
 * keeps the instance for its life and never closes it: resources it holds are its creator's to release.
 *
 * <h2>Errors</h2>
 * A refusal's status reaches the client as it is, with the trailers attached to it: give it a typed reason with
 * {@code ErrorDetails.withReason(status, ErrorReason.CREDENTIALS_MISSING, Map.of("scheme", "..."))} (or
 * CREDENTIALS_REJECTED), as the built-in authenticators do, so clients can tell "send credentials" from "get new
 * ones" without reading the text.
 *
 * <h2>Threading</h2>
 * Thread-safe: called concurrently for different calls, on the transport event loop. It must not block (no
 * network or disk per call: load what it needs at start, as {@link BearerTokenAuthenticator} does).
 */
public interface Authenticator {

  /**
   * Authenticates one call.
   *
   * @param headers the call's request headers, e.g. {@code authorization}; do not modify
   * @param tls the connection's TLS session (its peer certificates under mutual TLS), or empty on plaintext
   * @return the caller; never null
   * @throws StatusException to refuse the call with its status, normally UNAUTHENTICATED with a description
   *     that tells the client what to send; the description reaches the client, so never put a secret in it
   */
  Principal authenticate(Metadata headers, Optional<SSLSession> tls) throws StatusException;
}
