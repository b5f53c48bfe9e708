package io.streamkit.server;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import java.time.Duration;
import java.util.List;

/** Subscribe and Publish through the generated stubs, as a client in any language would. */
final class PushFixtures {
  private PushFixtures() {}

  static TopicSubscription live(String topic) {
    return TopicSubscription.newBuilder().setTopic(topic).build();
  }

  static TopicSubscription after(String topic, long offset, String epoch) {
    return TopicSubscription.newBuilder().setTopic(topic).setAfterOffset(offset).setEpoch(epoch).build();
  }

  static RecordingObserver<Event> subscribe(Channel channel, TopicSubscription... topics) {
    RecordingObserver<Event> events = new RecordingObserver<>();
    StreamServiceGrpc.newStub(channel)
        .subscribe(SubscribeRequest.newBuilder().addAllTopics(List.of(topics)).build(), events);
    return events;
  }

  static PublishRequest event(String topic, String payload) {
    return PublishRequest.newBuilder().setTopic(topic).setPayload(ByteString.copyFromUtf8(payload)).build();
  }

  /** Publishes {@code requests} on one Publish stream and returns the ack. */
  static RecordingObserver<PublishAck> publish(Channel channel, List<PublishRequest> requests)
      throws InterruptedException {
    RecordingObserver<PublishAck> ack = new RecordingObserver<>();
    StreamObserver<PublishRequest> stream = StreamServiceGrpc.newStub(channel).publish(ack);
    for (PublishRequest r : requests) {
      stream.onNext(r);
    }
    stream.onCompleted();
    ack.awaitStatus(Duration.ofSeconds(20));
    return ack;
  }

  /** Waits until the server registered {@code n} streams (subscriptions are registered asynchronously). */
  static void awaitOpenStreams(StreamKitServer server, int n) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> server.stats().openStreams() >= n);
  }
}
