package io.streamkit.server.internal.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.TopicEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One stream's topic subscriptions, shared by Chat's attach/detach and Subscribe: what happens when a detach, the
 * stream's end or an onReady comes while the broker is still subscribing (which may deliver history from inside
 * subscribe, so it runs outside the monitor).
 */
@Timeout(10)
class TopicAttachmentsTest {

  /** A recording fake subscription. */
  static final class RecordingSubscription implements BrokerSubscription {
    final String topic;
    int resumes;
    int cancels;

    RecordingSubscription(String topic) {
      this.topic = topic;
    }

    @Override
    public void resume() {
      resumes++;
    }

    @Override
    public void cancel() {
      cancels++;
    }
  }

  /** A recording fake broker; {@link #duringSubscribe} runs inside subscribe, as a racing thread would. */
  static final class RecordingBroker implements Broker {
    final List<RecordingSubscription> subscriptions = new ArrayList<>();
    Runnable duringSubscribe = () -> {};

    @Override
    public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
      throw new UnsupportedOperationException("not used here");
    }

    @Override
    public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
      if (topic.equals("bad")) {
        throw new IllegalArgumentException("topic 'bad' is rejected");
      }
      Runnable hook = duringSubscribe;
      duringSubscribe = () -> {};
      hook.run();
      RecordingSubscription s = new RecordingSubscription(topic);
      subscriptions.add(s);
      return s;
    }
  }

  private static final EventSink SINK = new EventSink() {
    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void onEvent(TopicEvent event) {}

    @Override
    public void onEnd(Status status) {}
  };

  private final RecordingBroker broker = new RecordingBroker();
  private final TopicAttachments topics = new TopicAttachments(broker);

  @Test
  void aTopicIsSubscribedOnceResumedOnReadyAndCancelledWhenTheStreamEnds() {
    assertThat(topics.attach("a", Position.live(), SINK)).isTrue();
    assertThat(topics.attach("a", Position.live(), SINK)).as("attached already").isFalse();
    assertThat(topics.attach("b", Position.live(), SINK)).isTrue();

    topics.resumeAll();
    topics.endAll();

    assertThat(broker.subscriptions).extracting(s -> s.topic).containsExactly("a", "b");
    assertThat(broker.subscriptions).allSatisfy(s -> {
      assertThat(s.resumes).isEqualTo(1);
      assertThat(s.cancels).isEqualTo(1);
    });
    assertThat(topics.attach("c", Position.live(), SINK)).as("after the end").isFalse();
    assertThat(broker.subscriptions).hasSize(2);
  }

  @Test
  void aDetachedTopicIsCancelledAndCanBeAttachedAgain() {
    topics.attach("a", Position.live(), SINK);

    assertThat(topics.detach("a")).isTrue();
    assertThat(topics.detach("a")).isFalse();
    assertThat(topics.attach("a", Position.live(), SINK)).isTrue();

    assertThat(broker.subscriptions.get(0).cancels).isEqualTo(1);
    assertThat(broker.subscriptions.get(1).cancels).isZero();
    assertThat(topics.size()).isEqualTo(1);
  }

  @Test
  void aDetachWhileSubscribingCancelsTheNewSubscriptionOnceItExists() {
    broker.duringSubscribe = () -> assertThat(topics.detach("a")).as("reserved, so it can be detached").isTrue();

    assertThat(topics.attach("a", Position.live(), SINK)).isFalse();

    assertThat(broker.subscriptions).singleElement().satisfies(s -> assertThat(s.cancels).isEqualTo(1));
    assertThat(topics.size()).isZero();
  }

  @Test
  void theStreamEndingWhileSubscribingCancelsTheNewSubscription() {
    broker.duringSubscribe = topics::endAll;

    assertThat(topics.attach("a", Position.live(), SINK)).isFalse();

    assertThat(broker.subscriptions).singleElement().satisfies(s -> assertThat(s.cancels).isEqualTo(1));
  }

  @Test
  void anAttachOfTheSameTopicWhileSubscribingDoesNothing() {
    broker.duringSubscribe = () -> assertThat(topics.attach("a", Position.live(), SINK)).isFalse();

    assertThat(topics.attach("a", Position.live(), SINK)).isTrue();

    assertThat(broker.subscriptions).hasSize(1);
  }

  @Test
  void anOnReadyWhileSubscribingIsPassedOnOnceTheSubscriptionExists() {
    broker.duringSubscribe = topics::resumeAll;

    topics.attach("a", Position.live(), SINK);

    assertThat(broker.subscriptions.get(0).resumes).as("not lost while the subscription was not installed")
        .isEqualTo(1);
  }

  @Test
  void noResumeIsAddedWhenNoOnReadyCameWhileSubscribing() {
    topics.attach("a", Position.live(), SINK);

    assertThat(broker.subscriptions.get(0).resumes).isZero();
  }

  @Test
  void aTopicTheBrokerRejectsIsNotLeftReserved() {
    assertThatThrownBy(() -> topics.attach("bad", Position.live(), SINK))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(topics.size()).isZero();
  }
}
