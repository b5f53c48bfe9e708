package io.streamkit.server.internal.rpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.server.internal.security.CallSecurity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Chat stream ({@code StreamService/Chat}, and {@code Greeter/Chat} through its marshallers): the transport's
 * listener, and the outbound of the stream's {@link HandlerContext}. It puts together the stream's parts:
 * {@link HandlerDispatch} (routes, in order), {@link HandlerContext} (what handlers see), {@link OutboundQueue}
 * (the only user of the ServerCall: sends, credits, close), {@link StreamEnd} (what runs once at the end) and
 * {@link IdleWatch}.
 *
 * <p>Threads: transport callbacks arrive serialized on the connection's event loop (the server runs with a direct
 * executor). Sends may come from any thread; they meet in the outbound queue's monitor.
 */
final class ChatStream extends ServerCall.Listener<Message>
    implements StreamRegistry.Closeable, ContextOutbound {
  private static final Logger log = LoggerFactory.getLogger(ChatStream.class);

  /**
   * Inbound messages requested ahead of the handlers. Small, because each one may turn into a queued reply when
   * the client stops reading; one credit is returned per handled message.
   */
  static final int INBOUND_WINDOW = 8;

  private final boolean perMessageErrors;
  private final RouteTable routes;
  private final StreamRegistry registry;
  private final String streamId;
  private final Deadline deadline;
  private final OutboundQueue<Message> outbound;
  /** Null when the idle timeout is off. */
  private final IdleWatch idle;
  private final StreamEnd end;
  private final HandlerContext context;
  private final HandlerDispatch dispatch;

  /**
   * @param perMessageErrors whether the wire's responses carry {@code Message.error} (StreamService/Chat); where
   *     they do not (Greeter), an error reply ends the stream with its status, and replies need no request id
   *     (Greeter's are matched by order)
   */
  ChatStream(ServerCall<Message, Message> call, Metadata headers, boolean perMessageErrors, ServerContext server) {
    this.perMessageErrors = perMessageErrors;
    this.routes = server.routes();
    this.registry = server.registry();
    this.streamId = registry.nextStreamId("chat");
    this.deadline = Context.current().getDeadline();
    this.end = new StreamEnd(streamId);
    this.outbound = new OutboundQueue<>(call, server.maxQueuedBytesPerStream(), streamId, registry, this::ended);
    this.idle = IdleWatch.start(server.streamIdleTimeout(), server.timer(), streamId, this::close);
    if (idle != null) {
      end.onEnd(idle::stop);
    }
    StreamIdentity identity = new StreamIdentity(streamId, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
        CallSecurity.currentPrincipal(), headers, deadline);
    this.context = new HandlerContext(identity, server.broker(), this, end, perMessageErrors);
    this.dispatch = new HandlerDispatch(server, context, perMessageErrors ? "Chat" : "Greeter.Chat", outbound::returnInboundCredit);
  }

  void start() {
    registry.register(this);
    outbound.start(INBOUND_WINDOW);
  }

  // ---- transport callbacks (event loop) ----

  @Override
  public void onMessage(Message message) {
    if (idle != null) {
      idle.touch();
    }
    dispatch.dispatch(message);
  }

  @Override
  public void onHalfClose() {
    // Close hooks first: their sends still go out, before the OK.
    dispatch.closeHandlers(Status.OK, () -> outbound.close(Status.OK));
  }

  @Override
  public void onCancel() {
    end.cancelled();
    Status status = deadline != null && deadline.isExpired()
        ? Status.DEADLINE_EXCEEDED.withDescription("deadline of stream " + streamId + " expired")
        : Status.CANCELLED.withDescription("stream " + streamId + " was cancelled by the client");
    transportEnded(status);
  }

  @Override
  public void onComplete() {
    transportEnded(Status.OK);
  }

  @Override
  public void onReady() {
    outbound.onReady();
    context.resumeTopics();
  }

  // ---- the end ----

  /** The transport's last callback: nothing may be written any more. */
  private void transportEnded(Status status) {
    registry.unregister(this);
    ended(outbound.transportEnded(status));
    if (context.hasAttributes()) {
      dispatch.runInOrder(context::clearAttributes);
    }
  }

  /** The stream ended (the server or the transport ended it): runs once per stream, whoever calls first. */
  private void ended(Status status) {
    if (!end.end()) {
      return;
    }
    if (!status.isOk()) {
      log.debug("stream {} ended: {}", streamId, status);
    }
    dispatch.closeHandlers(status, null);
  }

  /** Shutdown (the registry): ends the stream at once, dropping what is queued. */
  @Override
  public void abort(Status status) {
    outbound.abort(status);
  }

  // ---- ContextOutbound: the handlers' sends ----

  @Override
  public boolean send(Message message) {
    if (!perMessageErrors && message.hasError() && message.getError().getCode() != 0) {
      // This wire has no per-message error field: the error ends the stream instead of being dropped.
      outbound.close(MessageErrors.toStatus(message.getError()));
      return false;
    }
    if (idle != null) {
      idle.touch();
    }
    routes.countOutbound(message.getRoute(), message);
    return outbound.send(message);
  }

  @Override
  public void close(Status status) {
    outbound.close(status);
  }

  @Override
  public Status endStatus() {
    return outbound.endStatus();
  }

  @Override
  public boolean readyForPush() {
    return outbound.readyForPush();
  }

  @Override
  public String toString() {
    return "ChatStream{" + streamId + "}";
  }
}
