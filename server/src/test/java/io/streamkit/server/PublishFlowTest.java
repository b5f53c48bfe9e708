package io.streamkit.server;

import static io.streamkit.server.PushFixtures.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Publish stream keeps reading while its events are being stored, up to its bound, and acknowledges exactly
 * what the broker stored. The broker here stores only when the test says so (a recording fake of the Broker SPI).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PublishFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** Hands out offsets per topic in call order, completing each publish only when released. */
  static final class GatedBroker implements Broker {
    record Call(String topic, String payload, CompletableFuture<Published> result) {}

    final List<Call> calls = new ArrayList<>();
    private final Map<String, Long> offsets = new java.util.HashMap<>();

    @Override
    public synchronized CompletableFuture<Published> publish(
        String topic, ByteString payload, Map<String, String> headers) {
      Call call = new Call(topic, payload.toStringUtf8(), new CompletableFuture<>());
      calls.add(call);
      return call.result;
    }

    synchronized int pending() {
      return (int) calls.stream().filter(c -> !c.result.isDone()).count();
    }

    /** Stores the pending publishes in call order. */
    void storeAll() {
      List<Call> now;
      synchronized (this) {
        now = calls.stream().filter(c -> !c.result.isDone()).toList();
      }
      for (Call c : now) {
        long offset;
        synchronized (this) {
          offset = offsets.merge(c.topic, 1L, Long::sum);
        }
        c.result.complete(new Published(c.topic, offset, "e1"));
      }
    }

    void fail(Call call, Status status) {
      call.result.completeExceptionally(status.asException(ErrorDetails.trailers(status)));
    }

    @Override
    public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
      throw new UnsupportedOperationException("not used by these tests");
    }
  }

  /** The end of a Publish call with its trailers' ErrorInfo. */
  static final class Outcome implements StreamObserver<PublishAck> {
    final CountDownLatch done = new CountDownLatch(1);
    volatile PublishAck ack;
    volatile Status status;
    volatile ErrorInfo info;

    @Override
    public void onNext(PublishAck value) {
      ack = value;
    }

    @Override
    public void onError(Throwable t) {
      status = Status.fromThrowable(t);
      com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, Status.trailersFromThrowable(t));
      for (com.google.protobuf.Any any : details.getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          try {
            info = any.unpack(ErrorInfo.class);
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
          }
        }
      }
      done.countDown();
    }

    @Override
    public void onCompleted() {
      status = Status.OK;
      done.countDown();
    }

    Status await() throws InterruptedException {
      assertThat(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the Publish call ended").isTrue();
      return status;
    }
  }

  private static StreamObserver<PublishRequest> open(LoopbackServer s, Outcome outcome) {
    return StreamServiceGrpc.newStub(s.channel).publish(outcome);
  }

  @Test
  void aStreamKeepsReadingWhileItsEventsAreInFlightUpToItsBoundThenAcknowledgesTheExactCount() throws Exception {
    GatedBroker broker = new GatedBroker();
    try (LoopbackServer s = LoopbackServer.start(b -> b.broker(broker))) {
      Outcome outcome = new Outcome();
      StreamObserver<PublishRequest> stream = open(s, outcome);
      int events = 3_000;
      for (int i = 1; i <= events; i++) {
        stream.onNext(event(i % 2 == 0 ? "even" : "odd", Integer.toString(i)));
      }
      stream.onCompleted();

      // Read ahead while nothing is stored, but no further than the bound of 1024 events in flight.
      await().atMost(WAIT).until(() -> broker.pending() == 1024);
      Thread.sleep(200); // nothing more may arrive while all 1024 are pending
      assertThat(broker.pending()).isEqualTo(1024);
      while (outcome.done.getCount() > 0 && broker.calls.size() <= events) {
        broker.storeAll();
        Thread.sleep(5);
      }

      assertThat(outcome.await().getCode()).isEqualTo(Status.Code.OK);
      assertThat(outcome.ack.getCount()).isEqualTo(events);
      assertThat(outcome.ack.getLastOffsetsMap()).containsEntry("even", 1500L).containsEntry("odd", 1500L);
      List<String> order = broker.calls.stream().map(GatedBroker.Call::payload).toList();
      assertThat(order).as("requests reach the broker in stream order")
          .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, events).mapToObj(Integer::toString)
              .toList());
    }
  }

  @Test
  void aFailedEventEndsTheCallOnceTheOthersSettleNamingItAndWhatWasStoredBeforeAndAfterIt() throws Exception {
    GatedBroker broker = new GatedBroker();
    try (LoopbackServer s = LoopbackServer.start(b -> b.broker(broker))) {
      Outcome outcome = new Outcome();
      StreamObserver<PublishRequest> stream = open(s, outcome);
      stream.onNext(event("a", "1"));
      stream.onNext(event("a", "2"));
      stream.onNext(event("b", "3"));
      stream.onNext(event("c", "4"));
      await().atMost(WAIT).until(() -> broker.pending() == 4);
      GatedBroker.Call second = broker.calls.get(1);
      Status unavailable = ErrorDetails.withReason(Status.UNAVAILABLE.withDescription("Redis went away"),
          ErrorReason.BROKER_UNAVAILABLE, Map.of("topic", "a"));

      broker.fail(second, unavailable);
      Thread.sleep(100);
      assertThat(outcome.done.getCount()).as("the call waits for the events still in flight").isEqualTo(1);
      broker.storeAll(); // a:1, b:1, c:1
      stream.onNext(event("a", "5")); // after the failure: not read

      assertThat(outcome.await().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(outcome.status.getDescription()).isEqualTo("publishing request 2 to topic 'a' failed: Redis went"
          + " away; the 1 event(s) before it were published and stay published; 2 event(s) after it were stored"
          + " too (last offsets a=1,b=1,c=1)");
      assertThat(outcome.info.getReason()).isEqualTo("BROKER_UNAVAILABLE");
      assertThat(outcome.info.getMetadataMap()).containsEntry("failed_request", "2").containsEntry("topic", "a")
          .containsEntry("stored_count", "3").containsEntry("last_offsets", "a=1,b=1,c=1");
      assertThat(broker.calls).hasSize(4);
    }
  }

  @Test
  void aDeniedOrInvalidTopicCarriesItsTypedReason() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      Outcome outcome = new Outcome();
      StreamObserver<PublishRequest> stream = open(s, outcome);
      stream.onNext(event("ok", "1"));
      stream.onNext(event("not ok", "2"));
      stream.onCompleted();

      assertThat(outcome.await().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(outcome.info.getReason()).isEqualTo("TOPIC_INVALID");
      assertThat(outcome.info.getMetadataMap()).containsEntry("topic", "not ok").containsEntry("stored_count", "1")
          .containsEntry("failed_request", "2").containsEntry("last_offsets", "ok=1");
    }
  }
}
