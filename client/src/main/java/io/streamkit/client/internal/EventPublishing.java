package io.streamkit.client.internal;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.client.StreamKitException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One-call publishing: each event is one {@code PublishEvent} call, acknowledged once stored. Many such calls
 * multiplex on the client's connection at once.
 *
 * <p>Why not a shared {@code Publish} stream: Publish acknowledges only on half-close, so a stream shared by
 * many publishes could never acknowledge each one; PublishEvent answers per event.
 *
 * <p>Bound: the serialized bytes of the publishes waiting for their acknowledgement are at most
 * {@code maxInFlightBytes}; a publish past it fails at once with RESOURCE_EXHAUSTED (its future, not a throw:
 * it is a condition of the moment, not a mistake of the caller), so a caller that never waits cannot fill memory.
 *
 * <p>Thread-safe. Futures complete on the reply executor.
 */
public final class EventPublishing {
  private final Channel channel;
  private final Executor replyExecutor;
  private final long maxInFlightBytes;
  private final AtomicLong inFlightBytes = new AtomicLong();
  private final Set<ReplyFuture<PublishAck>> pending = ConcurrentHashMap.newKeySet();

  public EventPublishing(Channel channel, Executor replyExecutor, long maxInFlightBytes) {
    this.channel = channel;
    this.replyExecutor = replyExecutor;
    this.maxInFlightBytes = maxInFlightBytes;
  }

  /** Publishes {@code request} (checked by the caller) and returns the future of its acknowledgement. */
  public ReplyFuture<PublishAck> publish(PublishRequest request, Duration deadline) {
    ReplyFuture<PublishAck> ack = new ReplyFuture<>();
    long bytes = request.getSerializedSize();
    long before = inFlightBytes.getAndAdd(bytes);
    if (before + bytes > maxInFlightBytes && before > 0) {
      inFlightBytes.addAndGet(-bytes);
      ack.completeExceptionally(new StreamKitException(Status.RESOURCE_EXHAUSTED.withDescription(
          "publishes waiting for their acknowledgement hold " + before + " bytes, and this one's " + bytes
              + " would pass maxQueuedBytes " + maxInFlightBytes + "; it was not sent: wait for earlier publish "
              + "futures before publishing more, or use an EventPublisher stream for a steady flow")));
      return ack;
    }
    ClientCall<PublishRequest, PublishAck> call = channel.newCall(StreamServiceGrpc.getPublishEventMethod(),
        CallOptions.DEFAULT.withExecutor(replyExecutor)
            .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
    call.start(new ClientCall.Listener<>() {
      private PublishAck received;

      @Override
      public void onMessage(PublishAck message) {
        received = message;
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        if (!status.isOk()) {
          ack.completeExceptionally(new StreamKitException(status, trailers));
        } else if (received == null) {
          ack.completeExceptionally(new StreamKitException(
              Status.INTERNAL.withDescription("PublishEvent ended with OK but no PublishAck")));
        } else {
          ack.complete(received);
        }
      }
    }, new Metadata());
    call.request(2); // one ack, and room to see a second one as the protocol error it would be
    call.sendMessage(request);
    call.halfClose();
    pending.add(ack);
    ack.whenComplete((ok, error) -> {
      pending.remove(ack);
      inFlightBytes.addAndGet(-bytes); // once, however the future completes: the call is over or being cancelled
      if (ack.isCancelled()) {
        call.cancel("the application cancelled the publish future", null);
      }
    });
    return ack;
  }

  /**
   * Fails the publishes still waiting with {@code status}: the client is closing and their calls' own end may no
   * longer be delivered (the reply thread stops). A publish that completed meanwhile keeps its outcome.
   */
  public void failPending(Status status) {
    for (ReplyFuture<PublishAck> ack : pending) {
      ack.completeExceptionally(new StreamKitException(status));
    }
  }

  /** Bytes of publishes waiting for their acknowledgement; for tests. */
  long inFlightBytes() {
    return inFlightBytes.get();
  }
}
