package io.streamkit.server.internal.tracing;

import com.google.protobuf.ByteString;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.streamkit.api.v1.TraceHeaders;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.internal.broker.ForwardingBroker;
import io.streamkit.server.internal.broker.ForwardingEventSink;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Traces what goes through a {@link Broker}, whoever calls it (the Publish RPCs, handlers, the embedding
 * application):
 *
 * <ul>
 *   <li>{@code publish <topic>} (PRODUCER): from the call to the broker's acknowledgement, so with Redis it covers
 *       the round trip that stores the event. Its parent is the {@code traceparent} the publisher put in the
 *       headers, else the current context (a handler's message span, a Publish stream's span). The event is
 *       stored with this span's trace context in its headers, replacing the publisher's: every subscriber, on
 *       this instance or another one on the same Redis, continues the trace from the publish.</li>
 *   <li>{@code deliver <topic>} (CONSUMER): one per event and subscriber, the write on the subscriber's stream; a
 *       child of the event's trace context, linked to the span that was current when the subscription started
 *       (a Subscribe stream's span).</li>
 * </ul>
 *
 * Everything else is the delegate's. Thread-safe. Only wired in when tracing is on.
 */
final class TracingBroker extends ForwardingBroker {
  private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.name");
  private static final AttributeKey<Long> OFFSET = AttributeKey.longKey("streamkit.offset");
  private static final AttributeKey<String> EPOCH = AttributeKey.stringKey("streamkit.epoch");

  private final Tracer tracer;

  TracingBroker(Broker delegate, Tracer tracer) {
    super(delegate);
    this.tracer = tracer;
  }

  @Override
  public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
    Span span = tracer.spanBuilder("publish " + topic)
        .setParent(TraceHeaders.extract(Context.current(), headers))
        .setSpanKind(SpanKind.PRODUCER)
        .setAttribute(SYSTEM, "streamkit")
        .setAttribute(DESTINATION, topic)
        .setAttribute(OPERATION, "publish")
        .startSpan();
    CompletableFuture<Published> stored;
    try {
      stored = super.publish(topic, payload, TraceHeaders.with(headers, Context.root().with(span)));
    } catch (RuntimeException e) {
      ServerTracing.failed(span, e);
      span.end();
      throw e;
    }
    stored.whenComplete((published, error) -> {
      if (error != null) {
        ServerTracing.failed(span, error);
      } else {
        span.setAttribute(OFFSET, published.offset());
        span.setAttribute(EPOCH, published.epoch());
      }
      span.end();
    });
    return stored;
  }

  @Override
  public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
    return super.subscribe(topic, position, new TracedSink(sink, Span.current().getSpanContext()));
  }

  /** One subscription's sink: a deliver span per event it took. */
  private final class TracedSink extends ForwardingEventSink {
    /** The span current at subscribe (invalid for none): each delivery links to it. */
    private final SpanContext subscriber;

    TracedSink(EventSink sink, SpanContext subscriber) {
      super(sink);
      this.subscriber = subscriber;
    }

    @Override
    public void onEvent(TopicEvent event) {
      Span span = deliverSpan(event).startSpan();
      try (Scope ignored = span.makeCurrent()) {
        super.onEvent(event);
      } finally {
        span.end();
      }
    }

    /** Spans only the offers that delivered: the span starts at the offer's start once it did. */
    @Override
    public boolean offer(TopicEvent event) {
      Instant start = Instant.now();
      if (!super.offer(event)) {
        return false;
      }
      deliverSpan(event).setStartTimestamp(start).startSpan().end();
      return true;
    }

    private SpanBuilder deliverSpan(TopicEvent event) {
      SpanBuilder b = tracer.spanBuilder("deliver " + event.topic())
          .setParent(TraceHeaders.extract(Context.root(), event.event().getHeadersMap()))
          .setSpanKind(SpanKind.CONSUMER)
          .setAttribute(SYSTEM, "streamkit")
          .setAttribute(DESTINATION, event.topic())
          .setAttribute(OPERATION, "deliver")
          .setAttribute(OFFSET, event.offset())
          .setAttribute(EPOCH, event.epoch());
      if (subscriber.isValid()) {
        b.addLink(subscriber);
      }
      return b;
    }
  }
}
