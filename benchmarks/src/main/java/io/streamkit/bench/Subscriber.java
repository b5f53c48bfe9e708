package io.streamkit.bench;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * One live subscription of the load tool: checks that offsets are contiguous, counts deliveries, and records the
 * publish-to-deliver latency from the publisher's {@code System.nanoTime()} in the payload's first 8 bytes (the
 * publisher runs in this process) and, optionally, from the event's {@code published_at} (the server's wall clock
 * when its broker took the publish; this machine's clock too), which splits the latency into the way in (client to
 * broker) and the way out (broker to subscriber, through Redis when the publish was on another instance). Callbacks for one subscription are serialized; the counters are read from
 * the scenario's thread.
 */
final class Subscriber implements ClientResponseObserver<SubscribeRequest, Event> {
  private final LongAdder total;
  private final Recorder latency;
  /** From the event's {@code published_at} (the server's clock, when its broker took the publish) to delivery. */
  private final Recorder sincePublishedAt;
  private final Phase phase;
  private final boolean manualFlow;
  private ClientCallStreamObserver<SubscribeRequest> call;
  volatile long first;
  volatile long last;
  volatile long gaps;
  volatile long delivered;
  volatile Status error;
  volatile boolean done;

  /**
   * Counts and checks offsets only and records no latency: what {@code idle} and {@code slow-consumer} need. A
   * {@link Recorder} per subscription (3 significant digits: two 16 KiB count arrays) cost the load tool 3.3 GB
   * of heap at 100,000 idle subscriptions; the scenarios that record latency share one.
   */
  Subscriber(LongAdder total, boolean manualFlow) {
    this(total, null, null, null, manualFlow);
  }

  /** {@code latency} may be null only when {@code phase} is: latency is recorded only while a phase measures. */
  Subscriber(LongAdder total, Recorder latency, Recorder sincePublishedAt, Phase phase, boolean manualFlow) {
    if (phase != null && latency == null) {
      throw new IllegalArgumentException("latency: null (expected: a Recorder when a phase is given)");
    }
    this.total = total;
    this.latency = latency;
    this.sincePublishedAt = sincePublishedAt;
    this.phase = phase;
    this.manualFlow = manualFlow;
  }

  Subscriber subscribe(Channel channel, String topic) {
    StreamServiceGrpc.newStub(channel).subscribe(
        SubscribeRequest.newBuilder().addTopics(TopicSubscription.newBuilder().setTopic(topic)).build(), this);
    return this;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
    this.call = requestStream;
    if (manualFlow) {
      requestStream.disableAutoRequestWithInitial(1);
    }
  }

  /** Manual flow only: lets one more event in. May be called from any thread. */
  synchronized void requestOne() {
    call.request(1);
  }

  synchronized void cancel() {
    done = true;
    call.cancel("benchmark over", null);
  }

  @Override
  public void onNext(Event e) {
    long offset = e.getOffset();
    if (first == 0) {
      first = offset;
    } else if (offset != last + 1) {
      gaps++;
    }
    last = offset;
    delivered++;
    total.increment();
    if (phase != null && phase.measuring && e.getPayload().size() >= 8) {
      long sentAt = 0;
      for (int i = 0; i < 8; i++) {
        sentAt = (sentAt << 8) | (e.getPayload().byteAt(i) & 0xff);
      }
      latency.recordValue(Math.max(0, System.nanoTime() - sentAt));
      if (sincePublishedAt != null && e.hasPublishedAt()) {
        Instant now = Instant.now();
        long nanos = (now.getEpochSecond() - e.getPublishedAt().getSeconds()) * 1_000_000_000L
            + now.getNano() - e.getPublishedAt().getNanos();
        sincePublishedAt.recordValue(Math.max(0, nanos));
      }
    }
  }

  @Override
  public void onError(Throwable t) {
    error = Status.fromThrowable(t);
    done = true;
  }

  @Override
  public void onCompleted() {
    done = true;
  }
}
