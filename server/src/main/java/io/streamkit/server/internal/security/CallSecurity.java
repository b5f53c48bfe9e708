package io.streamkit.server.internal.security;

import io.grpc.Context;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.security.Authenticator;
import io.streamkit.server.security.Authorizer;
import io.streamkit.server.security.Principal;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server's authentication and authorization, as the calls use them: the interceptor that authenticates each
 * call and puts its {@link Principal} into the call's {@link Context}, and the authorizer's checks, phrased as
 * the Status a denied call or message gets. Immutable and thread-safe.
 */
public final class CallSecurity {
  private static final Logger log = LoggerFactory.getLogger(CallSecurity.class);

  /** The authenticated caller of the current call; absent when the server authenticates no one. */
  static final Context.Key<Principal> PRINCIPAL = Context.key("streamkit-principal");

  /** No authentication, everything allowed. */
  static final CallSecurity OPEN = new CallSecurity(null, new AllowAll());

  private final Authenticator authenticator;
  private final Authorizer authorizer;

  CallSecurity(Authenticator authenticator, Authorizer authorizer) {
    this.authenticator = authenticator;
    this.authorizer = authorizer;
  }

  /** {@code service} with every call authenticated first, when this server authenticates. */
  public ServerServiceDefinition guard(ServerServiceDefinition service) {
    return authenticator == null
        ? service
        : ServerInterceptors.intercept(service, new AuthenticationInterceptor(authenticator));
  }

  /** The caller of the call whose context is current (read it where the call starts). */
  public static Optional<Principal> currentPrincipal() {
    return Optional.ofNullable(PRINCIPAL.get());
  }

  /**
   * Null if {@code principal} may send to {@code route}; otherwise the status of the error reply: PERMISSION_DENIED
   * with reason NOT_AUTHORIZED and metadata {@code route}, or INTERNAL when the authorizer failed.
   */
  public Status checkChat(Optional<Principal> principal, String route) {
    return check(() -> authorizer.mayChat(principal, route), principal, "send to route '" + route + "'",
        "route", route);
  }

  /** Null if allowed; otherwise the status to fail the Subscribe call with (NOT_AUTHORIZED, metadata topic). */
  public Status checkSubscribe(Optional<Principal> principal, String topic) {
    return check(() -> authorizer.maySubscribe(principal, topic), principal, "subscribe to topic '" + topic + "'",
        "topic", topic);
  }

  /** Null if allowed; otherwise the status to fail the Publish call with (NOT_AUTHORIZED, metadata topic). */
  public Status checkPublish(Optional<Principal> principal, String topic) {
    return check(() -> authorizer.mayPublish(principal, topic), principal, "publish to topic '" + topic + "'",
        "topic", topic);
  }

  private Status check(BooleanSupplier decision, Optional<Principal> principal, String action, String key,
      String name) {
    String who = principal.map(p -> "principal " + p).orElse("an unauthenticated caller");
    try {
      if (decision.getAsBoolean()) {
        return null;
      }
      return ErrorDetails.withReason(Status.PERMISSION_DENIED.withDescription(who + " may not " + action),
          ErrorReason.NOT_AUTHORIZED, Map.of(key, name));
    } catch (RuntimeException e) {
      // Fail closed: an authorizer that cannot decide must not let the call through.
      log.warn("authorizer {} failed deciding whether {} may {}", authorizer.getClass().getName(), who, action, e);
      return Status.INTERNAL.withDescription(
          "authorization failed while deciding whether " + who + " may " + action + "; see the server log");
    }
  }

  @Override
  public String toString() {
    return "authenticator " + (authenticator == null ? "none (every caller is anonymous)" : authenticator)
        + ", authorizer " + (authorizer instanceof AllowAll ? "none (all allowed)" : authorizer.getClass().getName());
  }

  /** The default: every check allows. */
  static final class AllowAll implements Authorizer {}
}
