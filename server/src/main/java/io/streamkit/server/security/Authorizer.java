package io.streamkit.server.security;

import java.util.Optional;

/**
 * Decides what an authenticated caller may do: send to a Chat route, subscribe to a topic, publish to a topic.
 * Each method defaults to allowing, so an implementation overrides only the checks it needs and keeps
 * compiling when checks are added.
 *
 * <p>The server turns a {@code false} into PERMISSION_DENIED with a message naming the principal and the
 * resource, and reason NOT_AUTHORIZED with metadata {@code route} or {@code topic}: a Chat message gets an error
 * reply (code 7) and its stream stays open; a Subscribe call fails
 * before any broker work; a Publish call fails at the denied request, saying how many events were published
 * before it. An authorizer that throws is treated as a denial (fail closed) with INTERNAL, and logged.
 *
 * <p>Handler-side {@code StreamContext.publish} and {@code attach} are not checked: handlers are server code
 * and act for the server, inside a route the caller was allowed to use.
 *
 * <h2>Discovery</h2>
 * Registered with {@code StreamKitServer.builder().authorizer(...)}, or found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.streamkit.server.security.Authorizer}). A server
 * has at most one: two stop start-up with a message naming both classes. The server keeps the instance for its
 * life and never closes it.
 *
 * <h2>Threading</h2>
 * Thread-safe: called concurrently, on transport event loops (for {@code @Blocking} routes, on the blocking
 * executor). It must not block. {@link #mayChat} runs once per inbound Chat message, so keep it cheap.
 */
public interface Authorizer {

  /**
   * Whether {@code principal} may send a Chat message to {@code route} (also routes no handler serves, so that
   * a denied caller does not learn which routes exist).
   *
   * @param principal the caller, or empty when the server authenticates no one
   */
  default boolean mayChat(Optional<Principal> principal, String route) {
    return true;
  }

  /** Whether {@code principal} may subscribe to {@code topic} (a valid topic name). */
  default boolean maySubscribe(Optional<Principal> principal, String topic) {
    return true;
  }

  /** Whether {@code principal} may publish to {@code topic} (a valid topic name) through the Publish RPC. */
  default boolean mayPublish(Optional<Principal> principal, String topic) {
    return true;
  }
}
