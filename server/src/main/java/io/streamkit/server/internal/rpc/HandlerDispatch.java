package io.streamkit.server.internal.rpc;

import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.Message;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.internal.security.CallSecurity;
import io.streamkit.server.internal.tracing.ServerTracing;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes one stream's inbound messages to their handlers: the route lookup, the authorizer's check, the
 * per-message errors (ROUTE_EMPTY, ROUTE_UNKNOWN, NOT_AUTHORIZED, HANDLER_FAILED, each with its reason and
 * metadata), each handler's {@code onOpen} before its first message and {@code onClose} once at the end, all in
 * the stream's order through its {@link HandlerSequencer}. A Chat stream makes one for its life; a unary call
 * makes one for its single request, with the same behaviour:
 *
 * <pre>{@code
 * StreamEnd end = new StreamEnd(id);
 * HandlerContext context = new HandlerContext(identity, broker, responseOutbound, end, false);
 * HandlerDispatch dispatch = new HandlerDispatch(server, context, "Call", () -> {});
 * dispatch.dispatch(request);
 * // once the response went out, or the client cancelled:
 * if (end.end()) {
 *   dispatch.closeHandlers(status, null);
 * }
 * }</pre>
 *
 * <p>Tracing: with the server's tracing on, each message a handler gets has its span ({@code <rpc> <route>}, see
 * {@link ServerTracing#startHandler}), current on the thread while the handler's {@code onOpen} and
 * {@code onMessage} run, so what the handler publishes is its child.
 *
 * <p>Threads: {@link #dispatch} from one thread at a time (the stream's transport callbacks). Handler callbacks
 * run in the sequencer: inline on the calling thread for a non-blocking route when nothing is queued, otherwise
 * on the blocking executor; never two at once for one stream, and always in arrival order.
 */
public final class HandlerDispatch {
  private static final Logger log = LoggerFactory.getLogger(HandlerDispatch.class);

  private final RouteTable routes;
  private final CallSecurity security;
  private final HandlerContext context;
  private final HandlerSequencer sequencer;
  private final ServerTracing tracing;
  /** The RPC's name in span names: Chat, Call or Greeter.Chat. */
  private final String rpc;
  /** Runs after each message was handled (or skipped), in the sequencer: a Chat stream returns a credit. */
  private final Runnable afterEachMessage;

  /** Handlers opened on this stream, in order. Confined to the sequencer. */
  private final List<MessageHandler> opened = new ArrayList<>(2);
  /** Confined to the sequencer. */
  private boolean handlersClosed;
  /** Written in the sequencer, read by the transport thread to decide whether close hooks may run inline. */
  private volatile boolean blockingOpened;

  /**
   * @param rpc the RPC's name in span names: Chat, Call or Greeter.Chat
   * @param afterEachMessage runs in the sequencer after each message, handled or not (must not throw)
   */
  public HandlerDispatch(ServerContext server, HandlerContext context, String rpc, Runnable afterEachMessage) {
    this.routes = server.routes();
    this.security = server.security();
    this.context = context;
    this.sequencer = new HandlerSequencer(server.blockingExecutor(), context.streamId());
    this.tracing = server.tracing();
    this.rpc = rpc;
    this.afterEachMessage = afterEachMessage;
  }

  /** Counts {@code message} under its route and hands it to the route's handler, in order. */
  public void dispatch(Message message) {
    RouteTable.Route route = routes.lookup(message.getRoute());
    routes.countInbound(route, message);
    if ((route == null || !route.blocking()) && sequencer.tryEnterInline()) {
      try {
        handle(message, route);
      } finally {
        sequencer.releaseInline();
      }
    } else {
      sequencer.submit(() -> handle(message, route));
    }
  }

  /**
   * Calls {@code onClose(status)} of every handler opened on this stream, once (later calls do nothing), after
   * every callback queued before; then runs {@code then} (may be null) in the same order.
   */
  public void closeHandlers(Status status, Runnable then) {
    runInOrder(() -> {
      runCloseHooks(status);
      if (then != null) {
        then.run();
      }
    });
  }

  /** Runs {@code task} after every handler callback queued before it: inline when no blocking handler is open. */
  public void runInOrder(Runnable task) {
    if (!blockingOpened && sequencer.tryEnterInline()) {
      try {
        task.run();
      } finally {
        sequencer.releaseInline();
      }
    } else {
      sequencer.submit(task);
    }
  }

  private void handle(Message message, RouteTable.Route route) {
    try {
      if (!context.isOpen()) {
        return; // the stream ended while this message waited; handlers see nothing after onClose
      }
      if (!message.getRoute().isEmpty()) {
        // Before the route lookup's answer, so that a denied caller does not learn which routes exist.
        Status denied = security.checkChat(context.principal(), message.getRoute());
        if (denied != null) {
          context.replyError(message, MessageErrors.fromStatus(denied));
          return;
        }
      }
      if (route == null) {
        rejectUnrouted(message);
        return;
      }
      MessageHandler handler = route.handler();
      if (tracing.enabled()) {
        handleTraced(message, route, handler);
      } else {
        callHandler(message, route, handler);
      }
    } finally {
      afterEachMessage.run();
    }
  }

  /** {@link #callHandler} in the message's span. */
  private void handleTraced(Message message, RouteTable.Route route, MessageHandler handler) {
    Span span = tracing.startHandler(rpc, message, context.requestHeaders());
    try (Scope ignored = span.makeCurrent()) {
      Exception failure = callHandler(message, route, handler);
      if (failure != null) {
        ServerTracing.failed(span, failure);
      }
    } finally {
      span.end();
    }
  }

  /** Calls the handler; a failure is answered with HANDLER_FAILED and returned (null when it succeeded). */
  private Exception callHandler(Message message, RouteTable.Route route, MessageHandler handler) {
    try {
      if (!opened.contains(handler)) {
        opened.add(handler);
        if (route.blocking()) {
          blockingOpened = true;
        }
        handler.onOpen(context);
      }
      handler.onMessage(context, message);
      return null;
    } catch (Exception e) {
      log.warn("stream {}: handler {} for route '{}' failed on message id '{}'",
          context.streamId(), handler.getClass().getName(), route.name(), message.getId(), e);
      context.replyError(message, MessageErrors.error(Status.Code.INTERNAL,
          "handler for route '" + route.name() + "' failed (" + e.getClass().getSimpleName()
              + "); the server log has the details for stream " + context.streamId(),
          ErrorReason.HANDLER_FAILED, Map.of("route", route.name(), "stream_id", context.streamId())));
      return e;
    }
  }

  private void rejectUnrouted(Message message) {
    if (message.getRoute().isEmpty()) {
      context.replyError(message, MessageErrors.error(Status.Code.INVALID_ARGUMENT,
          "route is empty: set Message.route to the route of the handler that should receive the message",
          ErrorReason.ROUTE_EMPTY, Map.of()));
    } else {
      context.replyError(message, MessageErrors.error(Status.Code.UNIMPLEMENTED,
          "unknown route '" + message.getRoute() + "': no handler on this server serves it",
          ErrorReason.ROUTE_UNKNOWN, Map.of("route", message.getRoute())));
    }
  }

  private void runCloseHooks(Status status) {
    if (handlersClosed) {
      return;
    }
    handlersClosed = true;
    for (MessageHandler handler : opened) {
      try {
        handler.onClose(context, status);
      } catch (RuntimeException e) {
        log.warn("stream {}: close hook of {} failed", context.streamId(), handler.getClass().getName(), e);
      }
    }
  }
}
