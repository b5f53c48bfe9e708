package io.streamkit.server.internal.rpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.internal.security.CallSecurity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code StreamService/Call}: a single request to the handler of its route, answered by the first message the
 * handler sends on it (its reply, or the server's per-message error: empty route, unknown route, denied route,
 * failed handler). The same {@link HandlerDispatch} and {@link HandlerContext} as a Chat stream, so routing,
 * authorization, per-message errors, {@code onOpen}/{@code onClose} and blocking routes behave the same; only the
 * outbound differs: the response completes the call.
 *
 * <p>The call ends when the response went out, when a handler ends it ({@code context.close(status)}: an error
 * status fails the call with it; OK without a response is INTERNAL), when the client cancels or its deadline
 * expires, or at shutdown. A handler that never replies leaves the call open until one of those: give calls a
 * deadline. Topic attachments deliver nothing on a unary call (there is no stream to push on) and end with it.
 *
 * <p>Threads: transport callbacks on the connection's event loop; the handler's sends from any thread. One monitor
 * (this) guards every use of the ServerCall.
 */
final class UnaryCall extends ServerCall.Listener<Message> implements StreamRegistry.Closeable, ContextOutbound {
  private static final Logger log = LoggerFactory.getLogger(UnaryCall.class);

  private final ServerCall<Message, Message> call;
  private final Metadata headers;
  private final ServerContext server;
  private final String streamId;
  private final Deadline deadline;
  private final StreamEnd end;
  private Message request;
  private HandlerDispatch dispatch;
  /** How the call ended, or null while open. Guarded by this. */
  private Status endStatus;
  private boolean unregistered;

  UnaryCall(ServerCall<Message, Message> call, Metadata headers, ServerContext server) {
    this.call = call;
    this.headers = headers;
    this.server = server;
    this.streamId = server.registry().nextStreamId("call");
    this.deadline = Context.current().getDeadline();
    this.end = new StreamEnd(streamId);
  }

  void start() {
    server.registry().register(this);
    synchronized (this) {
      call.request(2); // one request; a second one is refused below
    }
  }

  // ---- transport callbacks (event loop) ----

  @Override
  public void onMessage(Message message) {
    if (request != null) {
      close(Status.INVALID_ARGUMENT.withDescription(
          "Call takes exactly one request message (expected: a unary call; use Chat to stream)"));
      return;
    }
    request = message;
  }

  @Override
  public void onHalfClose() {
    if (request == null) {
      close(Status.INVALID_ARGUMENT.withDescription("Call got no request message (expected: exactly one)"));
      return;
    }
    if (endStatus() != null) {
      return;
    }
    StreamIdentity identity = new StreamIdentity(streamId, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
        CallSecurity.currentPrincipal(), headers, deadline);
    // Replies need no id: the call itself correlates its one response.
    HandlerContext context = new HandlerContext(identity, server.broker(), this, end, false);
    dispatch = new HandlerDispatch(server, context, "Call", () -> {});
    dispatch.dispatch(request);
  }

  @Override
  public void onCancel() {
    end.cancelled();
    ended(deadline != null && deadline.isExpired()
        ? Status.DEADLINE_EXCEEDED.withDescription("deadline of call " + streamId + " expired")
        : Status.CANCELLED.withDescription("call " + streamId + " was cancelled by the client"));
  }

  @Override
  public void onComplete() {
    ended(Status.OK);
  }

  // ---- ContextOutbound: the handler's sends ----

  /** The first message is the response and completes the call; later ones are refused. */
  @Override
  public boolean send(Message message) {
    synchronized (this) {
      if (endStatus != null) {
        return false;
      }
      endStatus = Status.OK;
      if (message.getCorrelationId().isEmpty() && !request.getId().isEmpty()) {
        message = message.toBuilder().setCorrelationId(request.getId()).build();
      }
      server.routes().countOutbound(message.getRoute(), message);
      call.sendHeaders(new Metadata());
      call.sendMessage(message);
      call.close(Status.OK, new Metadata());
      return true;
    }
  }

  @Override
  public void close(Status status) {
    if (status.isOk()) {
      status = Status.INTERNAL.withDescription("the handler of route '" + (request == null ? "" : request.getRoute())
          + "' ended call " + streamId + " without a reply");
    }
    synchronized (this) {
      if (endStatus != null) {
        return;
      }
      endStatus = status;
      call.close(status, ErrorDetails.trailers(status));
    }
  }

  @Override
  public synchronized Status endStatus() {
    return endStatus;
  }

  /** Nothing is pushed on a unary call: an attached topic's events wait until the call ends and are dropped. */
  @Override
  public boolean readyForPush() {
    return false;
  }

  /** Shutdown (the registry). */
  @Override
  public void abort(Status status) {
    close(status);
  }

  /** The transport's last callback: the call is over. */
  private void ended(Status status) {
    synchronized (this) {
      if (endStatus == null) {
        endStatus = status;
      }
      if (unregistered) {
        return;
      }
      unregistered = true;
    }
    server.registry().unregister(this);
    if (end.end()) {
      if (!status.isOk()) {
        log.debug("call {} ended: {}", streamId, status);
      }
      if (dispatch != null) {
        dispatch.closeHandlers(status, null);
      }
    }
  }

  @Override
  public String toString() {
    return "UnaryCall{" + streamId + "}";
  }
}
