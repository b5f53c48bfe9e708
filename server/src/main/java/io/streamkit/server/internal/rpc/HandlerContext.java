package io.streamkit.server.internal.rpc;

import com.google.protobuf.ByteString;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.api.v1.Error;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.Message;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.broker.Topics;
import io.streamkit.server.handler.StreamContext;
import io.streamkit.server.security.Principal;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The {@link StreamContext} handlers get: the stream's identity, its per-stream attributes, replies and sends
 * through a {@link ContextOutbound}, its end ({@link StreamEnd}) and its topic attachments. It knows nothing of
 * the transport: a Chat stream gives it an outbound over its {@link OutboundQueue}, a unary call one that
 * completes its single response.
 *
 * <p>Replies need the request's id where the client matches replies by id ({@code repliesNeedIds}: Chat). A reply
 * to a request without one is not sent: the client gets a per-message INVALID_ARGUMENT error with reason
 * MESSAGE_ID_MISSING instead, which names the route and tells it to set {@code Message.id}. A message without an
 * id is otherwise fine (fire-and-forget routes never reply).
 *
 * <p>Thread-safe: every method may be called from any thread, also after the stream ended.
 */
public final class HandlerContext implements StreamContext {
  private final StreamIdentity identity;
  private final Broker broker;
  private final ContextOutbound outbound;
  private final StreamEnd end;
  private final TopicAttachments topics;
  private final boolean repliesNeedIds;
  private volatile ConcurrentMap<String, Object> attributes;

  /**
   * A context whose topic attachments end with the stream ({@code end}'s first step).
   *
   * @param repliesNeedIds whether a reply to a request without an id is refused with MESSAGE_ID_MISSING
   */
  public HandlerContext(
      StreamIdentity identity, Broker broker, ContextOutbound outbound, StreamEnd end, boolean repliesNeedIds) {
    this.identity = identity;
    this.broker = broker;
    this.outbound = outbound;
    this.end = end;
    this.topics = new TopicAttachments(broker);
    this.repliesNeedIds = repliesNeedIds;
    end.onEnd(topics::endAll);
  }

  /** The stream's transport is ready again: attached topics deliver what they held back. */
  public void resumeTopics() {
    topics.resumeAll();
  }

  /**
   * Sends the per-message {@code error} in answer to {@code request}, correlated by its id even when that is
   * empty (the error still reaches the client, which may log it). For the server's own errors: unknown route,
   * denied route, failed handler.
   */
  public boolean replyError(Message request, Error error) {
    return outbound.send(Message.newBuilder().setRoute(request.getRoute()).setCorrelationId(request.getId())
        .setError(error).build());
  }

  /** Whether a handler used {@link #attributes()}. */
  public boolean hasAttributes() {
    return attributes != null;
  }

  /** Clears the attributes once the stream is over (in handler order, after the close hooks). */
  public void clearAttributes() {
    ConcurrentMap<String, Object> attrs = attributes;
    if (attrs != null) {
      attrs.clear();
    }
  }

  @Override
  public String streamId() {
    return identity.streamId();
  }

  @Override
  public Optional<SocketAddress> remoteAddress() {
    return Optional.ofNullable(identity.remoteAddress());
  }

  @Override
  public Optional<Principal> principal() {
    return identity.principal();
  }

  @Override
  public Metadata requestHeaders() {
    return identity.requestHeaders();
  }

  @Override
  public Optional<Deadline> deadline() {
    return Optional.ofNullable(identity.deadline());
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
    if (repliesNeedIds && request.getId().isEmpty()) {
      replyError(request, MessageErrors.error(Status.Code.INVALID_ARGUMENT,
          "the handler of route '" + request.getRoute() + "' replied to a message without an id, so the reply "
              + "could not be correlated and was not sent: set Message.id on messages that expect a reply",
          ErrorReason.MESSAGE_ID_MISSING, Map.of("route", request.getRoute())));
      return false;
    }
    if (!reply.getCorrelationId().equals(request.getId()) || reply.getRoute().isEmpty()) {
      Message.Builder builder = reply.toBuilder().setCorrelationId(request.getId());
      if (reply.getRoute().isEmpty()) {
        builder.setRoute(request.getRoute());
      }
      reply = builder.build();
    }
    return outbound.send(reply);
  }

  @Override
  public boolean send(Message message) {
    return outbound.send(message);
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
    return outbound.endStatus() == null;
  }

  @Override
  public boolean isCancelled() {
    return end.isCancelled();
  }

  @Override
  public Optional<Status> closeStatus() {
    return Optional.ofNullable(outbound.endStatus());
  }

  @Override
  public void onEnd(Runnable listener) {
    end.onEnd(listener);
  }

  @Override
  public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
    return broker.publish(topic, payload, headers);
  }

  @Override
  public void attach(String topic, Position position) {
    Topics.check(topic);
    topics.attach(topic, position, new TopicSink());
  }

  @Override
  public void detach(String topic) {
    topics.detach(topic);
  }

  /** Delivers an attached topic's events on this stream, within its flow control. */
  private final class TopicSink implements EventSink {
    @Override
    public boolean isReady() {
      return outbound.readyForPush();
    }

    @Override
    public void onEvent(TopicEvent event) {
      outbound.send(event.asChatMessage());
    }

    @Override
    public void onEnd(Status status) {
      outbound.close(status);
    }
  }

  @Override
  public String toString() {
    return "HandlerContext{" + identity.streamId() + "}";
  }
}
