package io.streamkit.server.internal.rpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.netty.util.internal.ThreadExecutorMap;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.broker.Topics;
import io.streamkit.server.internal.security.CallSecurity;
import io.streamkit.server.internal.tracing.ServerTracing;
import io.streamkit.server.security.Principal;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * One Subscribe stream: one broker subscription per requested topic (its {@link TopicAttachments}), all writing
 * to the same call.
 *
 * <p>Concurrency: the monitor guards every use of the ServerCall (sends come from publishers' threads and
 * from this stream's event loop). Nothing is queued here: while the call is not ready the broker keeps each
 * subscription's position and resumes on onReady, so a slow subscriber holds no copy of any event.
 */
final class SubscribeCall extends ServerCall.Listener<SubscribeRequest> implements StreamRegistry.Closeable {
  private final ServerCall<SubscribeRequest, TopicEvent> call;
  private final TopicAttachments topics;
  private final StreamRegistry registry;
  private final CallSecurity security;
  private final Optional<Principal> principal;
  /**
   * The event loop of this stream's connection: grpc-java (directExecutor) starts the call on it. Null when the
   * call starts elsewhere (another transport); the broker then delivers from the publisher's thread.
   */
  private final Executor eventLoop = ThreadExecutorMap.currentExecutor();
  /** Guarded by this: no send once set. */
  private boolean ended;
  /**
   * The stream's span, current while its topics are attached so each delivery links to it; null when tracing is
   * off. Guarded by this: ended once, by whoever ends the stream.
   */
  private Span span;

  SubscribeCall(ServerCall<SubscribeRequest, TopicEvent> call, Metadata headers, ServerContext server) {
    this.call = call;
    this.topics = new TopicAttachments(server.broker());
    this.registry = server.registry();
    this.security = server.security();
    this.principal = CallSecurity.currentPrincipal();
    this.span = server.tracing().enabled() ? server.tracing().startStream("Subscribe", headers) : null;
  }

  void start() {
    registry.register(this);
    synchronized (this) {
      call.request(1);
    }
  }

  @Override
  public void onMessage(SubscribeRequest request) {
    Status invalid = validate(request);
    if (invalid != null) {
      close(invalid);
      return;
    }
    for (TopicSubscription t : request.getTopicsList()) {
      // Every topic before the first broker subscription: a denied request subscribes to nothing.
      Status denied = security.checkSubscribe(principal, t.getTopic());
      if (denied != null) {
        close(denied);
        return;
      }
    }
    Span traced;
    synchronized (this) {
      if (ended) {
        return;
      }
      call.sendHeaders(new Metadata());
      traced = span;
    }
    if (traced == null) {
      attachAll(request);
      return;
    }
    traced.setAttribute("streamkit.topics", request.getTopicsList().stream().map(TopicSubscription::getTopic)
        .collect(java.util.stream.Collectors.joining(",")));
    try (Scope ignored = traced.makeCurrent()) {
      attachAll(request);
    }
  }

  private void attachAll(SubscribeRequest request) {
    for (TopicSubscription t : request.getTopicsList()) {
      Position position =
          t.hasAfterOffset() ? Position.after(t.getAfterOffset(), t.getEpoch()) : Position.live();
      if (!topics.attach(t.getTopic(), position, new Sink())) {
        return; // the stream ended meanwhile (each topic is requested once)
      }
    }
  }

  /**
   * Null for a request the server can serve; otherwise its INVALID_ARGUMENT status: TOPIC_INVALID for a topic name
   * that breaks the rule, SUBSCRIBE_REQUEST_INVALID for no topic, a topic named twice or an offset past 2^63 - 1.
   */
  static Status validate(SubscribeRequest request) {
    if (request.getTopicsCount() == 0) {
      return invalid(ErrorReason.SUBSCRIBE_REQUEST_INVALID, null,
          "SubscribeRequest.topics is empty (expected: at least one topic)");
    }
    Set<String> seen = new HashSet<>();
    for (TopicSubscription t : request.getTopicsList()) {
      String problem = Topics.problem(t.getTopic());
      if (problem != null) {
        return invalid(ErrorReason.TOPIC_INVALID, t.getTopic(), problem);
      }
      if (!seen.add(t.getTopic())) {
        return invalid(ErrorReason.SUBSCRIBE_REQUEST_INVALID, t.getTopic(),
            "topic '" + t.getTopic() + "' is requested twice (expected: each topic once per request)");
      }
      if (t.hasAfterOffset() && t.getAfterOffset() < 0) {
        return invalid(ErrorReason.SUBSCRIBE_REQUEST_INVALID, t.getTopic(), "after_offset of topic '"
            + t.getTopic() + "' is " + Long.toUnsignedString(t.getAfterOffset()) + " (expected: below 2^63)");
      }
    }
    return null;
  }

  private static Status invalid(ErrorReason reason, String topic, String description) {
    return ErrorDetails.withReason(Status.INVALID_ARGUMENT.withDescription(description), reason,
        topic == null ? Map.of() : Map.of("topic", topic));
  }

  @Override
  public void onReady() {
    topics.resumeAll();
  }

  @Override
  public void onCancel() {
    transportEnded(Status.CANCELLED);
  }

  @Override
  public void onComplete() {
    transportEnded(Status.OK);
  }

  @Override
  public void abort(Status status) {
    close(status);
  }

  /** The server ends the stream with {@code status}; the first end wins. */
  private void close(Status status) {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      call.close(status, ErrorDetails.trailers(status));
      endSpanLocked(status);
    }
    topics.endAll();
  }

  private void endSpanLocked(Status status) {
    if (span != null) {
      ServerTracing.end(span, status);
      span = null;
    }
  }

  /** The transport's last callback (exactly one of onComplete and onCancel). */
  private void transportEnded(Status status) {
    synchronized (this) {
      ended = true;
      endSpanLocked(status);
    }
    topics.endAll();
    registry.unregister(this);
  }

  /** One topic's delivery into the shared call. */
  private final class Sink implements EventSink {
    @Override
    public boolean isReady() {
      synchronized (SubscribeCall.this) {
        return !ended && call.isReady();
      }
    }

    @Override
    public void onEvent(TopicEvent event) {
      synchronized (SubscribeCall.this) {
        if (!ended) {
          call.sendMessage(event);
        }
      }
    }

    /** The readiness check and the send under one acquisition of the stream's monitor. */
    @Override
    public boolean offer(TopicEvent event) {
      synchronized (SubscribeCall.this) {
        if (ended || !call.isReady()) {
          return false;
        }
        call.sendMessage(event);
        return true;
      }
    }

    @Override
    public Executor executor() {
      return eventLoop;
    }

    @Override
    public void onEnd(Status status) {
      close(status);
    }
  }
}
