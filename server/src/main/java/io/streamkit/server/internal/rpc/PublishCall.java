package io.streamkit.server.internal.rpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.Topics;
import io.streamkit.server.internal.security.CallSecurity;
import io.streamkit.server.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One Publish stream: publishes each request in order (the next request is read only once the previous event
 * is stored), and answers the count and last offsets on half-close.
 *
 * <p>Concurrency: the monitor guards the call and the counters; broker completions may arrive on any thread.
 */
final class PublishCall extends ServerCall.Listener<PublishRequest> implements StreamRegistry.Closeable {
  private final ServerCall<PublishRequest, PublishAck> call;
  private final Broker broker;
  private final StreamRegistry registry;
  private final CallSecurity security;
  private final Optional<Principal> principal;
  private final Map<String, Long> lastOffsets = new LinkedHashMap<>();
  private long count;
  private boolean inFlight;
  private boolean halfClosed;
  private boolean closed;

  PublishCall(ServerCall<PublishRequest, PublishAck> call, Broker broker, StreamRegistry registry,
      CallSecurity security) {
    this.call = call;
    this.broker = broker;
    this.registry = registry;
    this.security = security;
    this.principal = CallSecurity.currentPrincipal();
  }

  void start() {
    registry.register(this);
    synchronized (this) {
      call.request(1);
    }
  }

  @Override
  public void onMessage(PublishRequest request) {
    synchronized (this) {
      if (closed) {
        return;
      }
      String problem = Topics.problem(request.getTopic());
      if (problem != null) {
        closeLocked(Status.INVALID_ARGUMENT.withDescription(
            "request " + (count + 1) + " rejected: " + problem + "; the " + count
                + " event(s) before it were published and stay published"));
        return;
      }
      Status denied = security.checkPublish(principal, request.getTopic());
      if (denied != null) {
        closeLocked(denied.withDescription("request " + (count + 1) + " rejected: " + denied.getDescription()
            + "; the " + count + " event(s) before it were published and stay published"));
        return;
      }
      inFlight = true;
    }
    broker.publish(request.getTopic(), request.getPayload(), request.getHeadersMap())
        .whenComplete((published, error) -> completed(request.getTopic(), published, error));
  }

  private synchronized void completed(String topic, Published published, Throwable error) {
    inFlight = false;
    if (closed) {
      return;
    }
    if (error != null) {
      Status status = Status.fromThrowable(error);
      closeLocked(status.withDescription(
          "publishing to topic '" + topic + "' failed: " + status.getDescription() + "; the " + count
              + " event(s) before it were published"));
      return;
    }
    count++;
    lastOffsets.put(topic, published.offset());
    if (halfClosed) {
      finishLocked();
    } else {
      call.request(1);
    }
  }

  @Override
  public synchronized void onHalfClose() {
    halfClosed = true;
    if (!inFlight && !closed) {
      finishLocked();
    }
  }

  private void finishLocked() {
    call.sendHeaders(new Metadata());
    call.sendMessage(PublishAck.newBuilder().setCount(count).putAllLastOffsets(lastOffsets).build());
    closeLocked(Status.OK);
  }

  private void closeLocked(Status status) {
    if (!closed) {
      closed = true;
      call.close(status, ErrorDetails.trailers(status));
    }
  }

  @Override
  public synchronized void abort(Status status) {
    // Shutdown: an in-flight publish may still complete; the client is told to retry elsewhere.
    closeLocked(status.withDescription(status.getDescription() + "; " + count + " event(s) were published"));
  }

  @Override
  public void onCancel() {
    synchronized (this) {
      closed = true;
    }
    registry.unregister(this);
  }

  @Override
  public void onComplete() {
    registry.unregister(this);
  }
}
