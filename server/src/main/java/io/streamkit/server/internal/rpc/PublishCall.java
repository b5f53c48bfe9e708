package io.streamkit.server.internal.rpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.Topics;
import io.streamkit.server.internal.security.CallSecurity;
import io.streamkit.server.internal.tracing.ServerTracing;
import io.streamkit.server.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One Publish stream: hands each request to the broker in order and keeps reading while earlier events are being
 * stored, so that a broker that batches (the Redis broker's group commit) gets many events per round trip. On
 * half-close, once every event is stored, it answers the count and the last offset per topic.
 *
 * <p>Flow control: at most {@value #MAX_IN_FLIGHT_EVENTS} events or {@value #MAX_IN_FLIGHT_BYTES} payload bytes
 * of one stream are handed to the broker and not yet stored; past either bound the next request is not read
 * (HTTP/2 flow control then holds the client) until one completes.
 *
 * <p>Order: requests reach the broker in stream order, and a broker keeps the order of one topic's publishes, so
 * each topic's offsets follow the stream's order.
 *
 * <p>Failure: the first request that is rejected (TOPIC_INVALID, NOT_AUTHORIZED) or not stored (the broker's
 * reason: BROKER_UNAVAILABLE, PUBLISH_UNCONFIRMED) stops reading; once the events in flight are settled the call
 * ends with that status, and its description and ErrorInfo metadata say exactly what was stored:
 * {@code failed_request} (1-based), {@code topic}, {@code stored_count} and {@code last_offsets}
 * ({@code topic=offset,...}). Every request before the failed one was stored; requests after it that were
 * already in flight to other topics may have been stored too, and are counted. Nothing else was. The monitor is held while an event
 * is handed to the broker, and the broker reports a failure before it takes another publish of that topic, so no
 * event of this stream is stored after an earlier one of the same topic failed.
 *
 * <p>Concurrency: the monitor guards the call and the counters; broker completions may arrive on any thread.
 */
final class PublishCall extends ServerCall.Listener<PublishRequest> implements StreamRegistry.Closeable {
  static final int MAX_IN_FLIGHT_EVENTS = 1024;
  static final int MAX_IN_FLIGHT_BYTES = 4 << 20;

  private final ServerCall<PublishRequest, PublishAck> call;
  private final Broker broker;
  private final StreamRegistry registry;
  private final CallSecurity security;
  private final Optional<Principal> principal;
  private final Map<String, Long> lastOffsets = new LinkedHashMap<>();
  /** Requests read so far; the next one's number is this plus one. */
  private long received;
  private long stored;
  private int inFlightEvents;
  private long inFlightBytes;
  /** A request was asked of the transport and has not arrived yet. */
  private boolean requested;
  private boolean halfClosed;
  private boolean closed;
  /** The first failure, and the number of its request; null while none. */
  private Status failure;
  private long failedRequest;
  private String failedTopic;

  /**
   * The stream's span, the parent of the publish span of each event that names no {@code traceparent}; null when
   * tracing is off. Ended once, with the call's status.
   */
  private Span span;

  PublishCall(ServerCall<PublishRequest, PublishAck> call, Metadata headers, ServerContext server) {
    this.call = call;
    this.broker = server.broker();
    this.registry = server.registry();
    this.security = server.security();
    this.principal = CallSecurity.currentPrincipal();
    this.span = server.tracing().enabled() ? server.tracing().startStream("Publish", headers) : null;
  }

  void start() {
    registry.register(this);
    synchronized (this) {
      requestLocked();
    }
  }

  @Override
  public synchronized void onMessage(PublishRequest request) {
    requested = false;
    long number = ++received;
    if (closed || failure != null) {
      return;
    }
    String topic = request.getTopic();
    String problem = Topics.problem(topic);
    if (problem != null) {
      failLocked(number, topic, ErrorDetails.withReason(
          Status.INVALID_ARGUMENT.withDescription("request " + number + " rejected: " + problem),
          ErrorReason.TOPIC_INVALID, Map.of("topic", topic)));
      return;
    }
    Status denied = security.checkPublish(principal, topic);
    if (denied != null) {
      denied = denied.withDescription("request " + number + " rejected: " + denied.getDescription());
      failLocked(number, topic, denied.getCode() == Status.Code.PERMISSION_DENIED
          ? ErrorDetails.withReason(denied, ErrorReason.NOT_AUTHORIZED, Map.of("topic", topic)) : denied);
      return;
    }
    int bytes = request.getPayload().size();
    inFlightEvents++;
    inFlightBytes += bytes;
    // Under the monitor: a failure of an earlier event is recorded before this one reaches the broker, or the
    // broker fails this one with it (see the class comment). An in-memory broker completes at once, re-entering.
    if (span == null) {
      publishLocked(number, topic, request, bytes);
    } else {
      try (Scope ignored = span.makeCurrent()) {
        publishLocked(number, topic, request, bytes);
      }
    }
    requestLocked();
  }

  private void publishLocked(long number, String topic, PublishRequest request, int bytes) {
    broker.publish(topic, request.getPayload(), request.getHeadersMap())
        .whenComplete((published, error) -> completed(number, topic, bytes, published, error));
  }

  private synchronized void completed(long number, String topic, int bytes, Published published, Throwable error) {
    inFlightEvents--;
    inFlightBytes -= bytes;
    if (error != null) {
      Status status = Status.fromThrowable(error);
      failLocked(number, topic, status.withDescription(
          "publishing request " + number + " to topic '" + topic + "' failed: " + status.getDescription()));
      return;
    }
    stored++;
    lastOffsets.merge(topic, published.offset(), Math::max);
    requestLocked();
    finishIfSettledLocked();
  }

  @Override
  public synchronized void onHalfClose() {
    halfClosed = true;
    finishIfSettledLocked();
  }

  /** Asks for the next request when none is pending and the bounds allow it. */
  private void requestLocked() {
    if (!requested && !halfClosed && !closed && failure == null && inFlightEvents < MAX_IN_FLIGHT_EVENTS
        && inFlightBytes < MAX_IN_FLIGHT_BYTES) {
      requested = true;
      call.request(1);
    }
  }

  private void failLocked(long number, String topic, Status status) {
    if (failure == null || number < failedRequest) {
      failure = status;
      failedRequest = number;
      failedTopic = topic;
    }
    finishIfSettledLocked();
  }

  /** Ends the call once nothing is in flight: the ack after a half-close, or the first failure. */
  private void finishIfSettledLocked() {
    if (closed || inFlightEvents > 0 || (failure == null && !halfClosed)) {
      return;
    }
    if (failure == null) {
      call.sendHeaders(new Metadata());
      call.sendMessage(PublishAck.newBuilder().setCount(stored).putAllLastOffsets(lastOffsets).build());
      closeLocked(Status.OK);
      return;
    }
    // Every request before the first failure was handed to the broker and none of them failed: all stored.
    long before = failedRequest - 1;
    String offsets = lastOffsets.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
    Status status = failure.withDescription(failure.getDescription() + "; the " + before
        + " event(s) before it were published and stay published"
        + (stored > before ? "; " + (stored - before) + " event(s) after it were stored too (last offsets "
            + offsets + ")" : ""));
    ErrorReason reason = ErrorDetails.reason(failure);
    if (reason == ErrorReason.ERROR_REASON_UNSPECIFIED && status.getCode() == Status.Code.UNAVAILABLE) {
      reason = ErrorReason.PUBLISH_UNCONFIRMED; // a broker of unknown kind: the event may or may not be stored
    }
    if (reason != ErrorReason.ERROR_REASON_UNSPECIFIED) {
      status = ErrorDetails.withReason(status, reason, Map.of(
          "failed_request", Long.toString(failedRequest),
          "topic", failedTopic,
          "stored_count", Long.toString(stored),
          "last_offsets", offsets));
    }
    closeLocked(status);
  }

  private void closeLocked(Status status) {
    if (!closed) {
      closed = true;
      call.close(status, ErrorDetails.trailers(status));
      endSpanLocked(status);
    }
  }

  private void endSpanLocked(Status status) {
    if (span != null) {
      span.setAttribute("streamkit.stored_count", stored);
      ServerTracing.end(span, status);
      span = null;
    }
  }

  @Override
  public synchronized void abort(Status status) {
    // Shutdown: events in flight may still be stored; the client is told to retry elsewhere.
    closeLocked(status.withDescription(status.getDescription() + "; " + stored + " event(s) were stored"
        + (inFlightEvents == 0 ? "" : ", " + inFlightEvents + " more may have been")));
  }

  @Override
  public void onCancel() {
    synchronized (this) {
      closed = true;
      endSpanLocked(Status.CANCELLED);
    }
    registry.unregister(this);
  }

  @Override
  public void onComplete() {
    registry.unregister(this);
  }
}
