package io.streamkit.server.internal.rpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.streamkit.api.v1.Error;
import io.streamkit.api.v1.Message;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.broker.Topics;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import io.streamkit.server.internal.security.CallSecurity;
import io.streamkit.server.security.Principal;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bidi stream on the server: receives the transport's callbacks, dispatches each inbound message to its
 * route's handler through the stream's {@link HandlerSequencer}, and is the {@link StreamContext} handlers send
 * through (via the stream's {@link OutboundQueue}).
 *
 * <p>Threads: transport callbacks arrive serialized on the connection's event loop (the server runs with a
 * direct executor). Handler callbacks run in the lane: inline for non-blocking routes, on the blocking
 * executor otherwise. Context methods may be called from anywhere.
 */
final class ChatCall<ReqT, RespT extends MessageLite> extends ServerCall.Listener<ReqT>
    implements StreamContext, StreamRegistry.Closeable, OutboundQueue.TerminationListener {
  private static final Logger log = LoggerFactory.getLogger(ChatCall.class);

  /**
   * Inbound messages requested ahead of the handlers. Small, because each one may turn into a queued reply
   * when the client stops reading; one credit is returned per handled message.
   */
  static final int INBOUND_WINDOW = 8;

  private final ServerCall<ReqT, RespT> call;
  private final Metadata requestHeaders;
  private final WireAdapter<ReqT, RespT> adapter;
  private final RouteTable routes;
  private final StreamRegistry registry;
  private final String streamId;
  private final Context grpcContext;
  private final HandlerSequencer lane;
  private final OutboundQueue<RespT> outbound;
  private final Broker broker;
  /** Null when the idle timeout is off. */
  private final IdleWatch idle;
  private final CallSecurity security;
  /** The caller, from the call's context (set by the authentication interceptor). */
  private final Optional<Principal> principal;
  /** Topics attached to this stream; guarded by itself. */
  private final Map<String, BrokerSubscription> attached = new java.util.HashMap<>(0);

  /** Handlers opened on this stream, in order. Confined to the lane. */
  private final List<MessageHandler> opened = new ArrayList<>(2);
  /** Confined to the lane. */
  private boolean closeHooksRan;
  /** Written in the lane, read by the transport thread to decide whether close hooks may run inline. */
  private volatile boolean blockingOpened;
  private volatile boolean cancelled;

  private final AtomicBoolean ended = new AtomicBoolean();
  private final AtomicBoolean unregistered = new AtomicBoolean();
  private final List<Runnable> endListeners = new ArrayList<>(0);
  private volatile ConcurrentMap<String, Object> attributes;

  ChatCall(
      ServerCall<ReqT, RespT> call,
      Metadata requestHeaders,
      WireAdapter<ReqT, RespT> adapter,
      ServerContext config) {
    this.call = call;
    this.requestHeaders = requestHeaders;
    this.adapter = adapter;
    this.routes = config.routes();
    this.broker = config.broker();
    this.registry = config.registry();
    this.streamId = registry.nextStreamId("chat");
    this.grpcContext = Context.current();
    this.security = config.security();
    this.principal = CallSecurity.currentPrincipal();
    this.lane = new HandlerSequencer(config.blockingExecutor(), streamId);
    this.outbound = new OutboundQueue<>(call, config.maxQueuedBytesPerStream(), streamId, registry, this);
    this.idle = IdleWatch.start(config.streamIdleTimeout(), config.timer(), streamId, this::close);
  }

  void start() {
    registry.register(this);
    outbound.start(INBOUND_WINDOW);
  }

  // ---- transport callbacks (event loop) ----

  @Override
  public void onMessage(ReqT request) {
    if (idle != null) {
      idle.touch();
    }
    Message message = adapter.toMessage(request);
    RouteTable.Route route = routes.lookup(message.getRoute());
    routes.countInbound(route, message);
    if ((route == null || !route.blocking()) && lane.tryEnterInline()) {
      try {
        handle(message, route);
      } finally {
        lane.releaseInline();
      }
    } else {
      lane.submit(() -> handle(message, route));
    }
  }

  @Override
  public void onHalfClose() {
    runLifecycle(
        () -> {
          runCloseHooks(Status.OK);
          outbound.close(Status.OK);
        });
  }

  @Override
  public void onCancel() {
    cancelled = true;
    Deadline deadline = grpcContext.getDeadline();
    Status status =
        deadline != null && deadline.isExpired()
            ? Status.DEADLINE_EXCEEDED.withDescription("deadline of stream " + streamId + " expired")
            : Status.CANCELLED.withDescription("stream " + streamId + " was cancelled by the client");
    transportEnded(outbound.transportTerminated(status));
  }

  @Override
  public void onComplete() {
    transportEnded(outbound.transportTerminated(Status.OK));
  }

  @Override
  public void onReady() {
    outbound.onReady();
    List<BrokerSubscription> subscriptions;
    synchronized (attached) {
      if (attached.isEmpty()) {
        return;
      }
      subscriptions = List.copyOf(attached.values());
    }
    for (BrokerSubscription s : subscriptions) {
      s.resume();
    }
  }

  // ---- dispatch (in the lane) ----

  private void handle(Message message, RouteTable.Route route) {
    try {
      if (outbound.terminalStatus() != null) {
        return; // the stream ended while this message waited; handlers see nothing after onClose
      }
      if (!message.getRoute().isEmpty()) {
        // Before the route lookup's answer, so that a denied caller does not learn which routes exist.
        Status denied = security.checkChat(principal, message.getRoute());
        if (denied != null) {
          sendError(message, denied.getCode(), denied.getDescription());
          return;
        }
      }
      if (route == null) {
        rejectUnrouted(message);
        return;
      }
      MessageHandler handler = route.handler();
      try {
        if (!opened.contains(handler)) {
          opened.add(handler);
          if (route.blocking()) {
            blockingOpened = true;
          }
          handler.onOpen(this);
        }
        handler.onMessage(this, message);
      } catch (Exception e) {
        log.warn(
            "stream {}: handler {} for route '{}' failed on message id '{}'",
            streamId, handler.getClass().getName(), route.name(), message.getId(), e);
        sendError(
            message,
            Status.Code.INTERNAL,
            "handler for route '" + route.name() + "' failed (" + e.getClass().getSimpleName()
                + "); the server log has the details for stream " + streamId);
      }
    } finally {
      outbound.returnInboundCredit();
    }
  }

  private void rejectUnrouted(Message message) {
    if (message.getRoute().isEmpty()) {
      sendError(
          message,
          Status.Code.INVALID_ARGUMENT,
          "route is empty: set Message.route to the route of the handler that should receive the message");
    } else {
      sendError(
          message,
          Status.Code.UNIMPLEMENTED,
          "unknown route '" + message.getRoute() + "': no handler on this server serves it");
    }
  }

  private void sendError(Message request, Status.Code code, String description) {
    reply(
        request,
        Message.newBuilder()
            .setRoute(request.getRoute())
            .setError(Error.newBuilder().setCode(code.value()).setMessage(description))
            .build());
  }

  private void runLifecycle(Runnable task) {
    if (!blockingOpened && lane.tryEnterInline()) {
      try {
        task.run();
      } finally {
        lane.releaseInline();
      }
    } else {
      lane.submit(task);
    }
  }

  private void runCloseHooks(Status status) {
    if (closeHooksRan) {
      return;
    }
    closeHooksRan = true;
    for (MessageHandler handler : opened) {
      try {
        handler.onClose(this, status);
      } catch (RuntimeException e) {
        log.warn("stream {}: close hook of {} failed", streamId, handler.getClass().getName(), e);
      }
    }
  }

  // ---- termination ----

  /** The server ended the stream (orderly close, overflow, shutdown). */
  @Override
  public void terminated(Status status) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    if (!status.isOk()) {
      log.debug("stream {} ended by the server: {}", streamId, status);
    }
    if (idle != null) {
      idle.stop();
    }
    runEndListeners();
    detachAll();
    runLifecycle(() -> runCloseHooks(status));
  }

  private void transportEnded(Status status) {
    if (unregistered.compareAndSet(false, true)) {
      registry.unregister(this);
    }
    terminated(status);
    ConcurrentMap<String, Object> attrs = attributes;
    if (attrs != null) {
      runLifecycle(attrs::clear);
    }
  }

  @Override
  public void abort(Status status) {
    outbound.abort(status);
  }

  private void runEndListeners() {
    List<Runnable> listeners;
    synchronized (endListeners) {
      listeners = List.copyOf(endListeners);
      endListeners.clear();
    }
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.warn("stream {}: end listener failed", streamId, e);
      }
    }
  }

  // ---- StreamContext ----

  @Override
  public String streamId() {
    return streamId;
  }

  @Override
  public Optional<SocketAddress> remoteAddress() {
    return Optional.ofNullable(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
  }

  @Override
  public Optional<Principal> principal() {
    return principal;
  }

  @Override
  public Metadata requestHeaders() {
    return requestHeaders;
  }

  @Override
  public Optional<Deadline> deadline() {
    return Optional.ofNullable(grpcContext.getDeadline());
  }

  @Override
  public ConcurrentMap<String, Object> attributes() {
    ConcurrentMap<String, Object> attrs = attributes;
    if (attrs == null) {
      synchronized (this) {
        attrs = attributes;
        if (attrs == null) {
          attrs = new ConcurrentHashMap<>(4);
          attributes = attrs;
        }
      }
    }
    return attrs;
  }

  @Override
  public boolean reply(Message request, Message reply) {
    if (!reply.getCorrelationId().equals(request.getId()) || reply.getRoute().isEmpty()) {
      Message.Builder builder = reply.toBuilder().setCorrelationId(request.getId());
      if (reply.getRoute().isEmpty()) {
        builder.setRoute(request.getRoute());
      }
      reply = builder.build();
    }
    return send(reply);
  }

  @Override
  public boolean send(Message message) {
    if (message.hasError() && message.getError().getCode() != 0 && !adapter.carriesErrors()) {
      // This contract has no per-message error field: the error ends the stream instead of being dropped.
      close(Status.fromCodeValue(message.getError().getCode())
          .withDescription(message.getError().getMessage()));
      return false;
    }
    if (idle != null) {
      idle.touch();
    }
    RespT wire = adapter.fromMessage(message);
    routes.countOutbound(message.getRoute(), wire);
    return outbound.send(wire);
  }

  @Override
  public void close(Status status) {
    if (status == null) {
      throw new NullPointerException("status");
    }
    outbound.close(status);
  }

  @Override
  public boolean isOpen() {
    return outbound.terminalStatus() == null;
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public Optional<Status> closeStatus() {
    return Optional.ofNullable(outbound.terminalStatus());
  }

  @Override
  public void onEnd(Runnable listener) {
    synchronized (endListeners) {
      if (!ended.get()) {
        endListeners.add(listener);
        return;
      }
    }
    listener.run();
  }

  @Override
  public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
    return broker.publish(topic, payload, headers);
  }

  @Override
  public void attach(String topic, Position position) {
    Topics.check(topic);
    synchronized (attached) {
      if (ended.get() || attached.containsKey(topic)) {
        return;
      }
      // Reserve the topic first, so that a concurrent attach of the same topic does nothing.
      attached.put(topic, NOT_YET);
    }
    BrokerSubscription subscription = broker.subscribe(topic, position, new TopicSink());
    boolean cancel;
    synchronized (attached) {
      cancel = ended.get() || attached.get(topic) != NOT_YET;
      if (!cancel) {
        attached.put(topic, subscription);
      }
    }
    if (cancel) {
      subscription.cancel();
    }
  }

  @Override
  public void detach(String topic) {
    BrokerSubscription subscription;
    synchronized (attached) {
      subscription = attached.remove(topic);
    }
    if (subscription != null) {
      subscription.cancel();
    }
  }

  private void detachAll() {
    List<BrokerSubscription> subscriptions;
    synchronized (attached) {
      subscriptions = List.copyOf(attached.values());
      attached.clear();
    }
    for (BrokerSubscription s : subscriptions) {
      s.cancel();
    }
  }

  private static final BrokerSubscription NOT_YET = new BrokerSubscription() {
    @Override
    public void resume() {}

    @Override
    public void cancel() {}
  };

  /** Delivers an attached topic's events on this stream, within its flow control. */
  private final class TopicSink implements EventSink {
    @Override
    public boolean isReady() {
      return outbound.readyForPush();
    }

    @Override
    public void onEvent(TopicEvent event) {
      send(event.asChatMessage());
    }

    @Override
    public void onEnd(Status status) {
      close(status);
    }
  }

  @Override
  public String toString() {
    return "ChatCall{" + streamId + "}";
  }
}
