package io.streamkit.server.internal.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.security.Authenticator;
import io.streamkit.server.security.Principal;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates a call before its handler starts: a refused call is closed here, so no ChatCall, SubscribeCall
 * or PublishCall is made for it (no handler onOpen, no broker work); an accepted one starts with its
 * {@link Principal} in its {@link Context}, where the calls read it.
 */
final class AuthenticationInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(AuthenticationInterceptor.class);

  private final Authenticator authenticator;

  AuthenticationInterceptor(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Status refused;
    Metadata trailers = new Metadata();
    try {
      Principal principal = authenticator.authenticate(
          headers, Optional.ofNullable(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
      if (principal != null) {
        return Contexts.interceptCall(
            Context.current().withValue(CallSecurity.PRINCIPAL, principal), call, headers, next);
      }
      log.warn("authenticator {} returned no principal; refusing the call", authenticator.getClass().getName());
      refused = Status.INTERNAL.withDescription("authentication failed on the server; see the server log");
    } catch (StatusException e) {
      refused = e.getStatus();
      // The reason of a refusal travels in the trailers: attached to the status (ErrorDetails.withReason), or
      // given to the exception (asException(trailers)).
      trailers = e.getTrailers() != null ? e.getTrailers() : ErrorDetails.trailers(refused);
      log.debug("call {} from {} refused: {}", call.getMethodDescriptor().getFullMethodName(),
          call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), refused);
    } catch (RuntimeException e) {
      log.warn("authenticator {} failed", authenticator.getClass().getName(), e);
      refused = Status.INTERNAL.withDescription("authentication failed on the server; see the server log");
    }
    call.close(refused, trailers);
    return new ServerCall.Listener<>() {};
  }
}
