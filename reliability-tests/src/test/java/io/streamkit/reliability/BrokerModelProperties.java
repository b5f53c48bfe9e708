package io.streamkit.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.TopicEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * The in-memory broker's offset and replay rules against a model that is a few lines long: offsets 1..last
 * with no hole, the newest {@code historyMaxEvents} retained, and a subscription's first offset given by the
 * table in docs/SERVER-PUSH.md.
 */
class BrokerModelProperties {

  /** The model: where delivery starts, per docs/SERVER-PUSH.md. */
  static long modelStart(long last, long oldest, Position position, String topicEpoch) {
    if (position.isLive()) {
      return last + 1;
    }
    boolean otherEpoch = !position.epoch().isEmpty() && !position.epoch().equals(topicEpoch);
    if (otherEpoch || position.afterOffset() > last) {
      return oldest;
    }
    return Math.max(position.afterOffset() + 1, oldest);
  }

  /** A sink that is always ready and records what it gets. */
  static final class RecordingSink implements EventSink {
    final List<TopicEvent> events = new CopyOnWriteArrayList<>();
    volatile Status ended;

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void onEvent(TopicEvent event) {
      events.add(event);
    }

    @Override
    public void onEnd(Status status) {
      ended = status;
    }
  }

  @Property(tries = 300)
  void replayThenLiveDeliversExactlyTheModelsOffsetsInOrder(
      @ForAll @IntRange(min = 1, max = 30) int retention,
      @ForAll @IntRange(min = 0, max = 80) int before,
      @ForAll @IntRange(min = 0, max = 20) int after,
      @ForAll @LongRange(min = -1, max = 100) long afterOffset,
      @ForAll @IntRange(min = 0, max = 2) int epochChoice) {
    try (InMemoryBroker broker = InMemoryBroker.builder().historyMaxEvents(retention).build()) {
      String epoch = null;
      List<Long> offsets = new ArrayList<>();
      for (int i = 0; i < before; i++) {
        Published p = broker.publish("t", ByteString.copyFromUtf8("b" + i), Map.of()).join();
        offsets.add(p.offset());
        epoch = p.epoch();
      }
      // Offsets are 1, 2, 3, ... with no hole.
      assertThat(offsets).containsExactlyElementsOf(LongStream.rangeClosed(1, before).boxed().toList());

      long last = before;
      long oldest = before == 0 ? 1 : Math.max(1, last - retention + 1);
      String topicEpoch = epoch;
      String asked = switch (epochChoice) {
        case 0 -> "";
        case 1 -> topicEpoch == null ? "" : topicEpoch;
        default -> "some-other-epoch";
      };
      Position position = afterOffset < 0 ? Position.live() : Position.after(afterOffset, asked);

      RecordingSink sink = new RecordingSink();
      BrokerSubscription subscription = broker.subscribe("t", position, sink);
      if (before == 0) {
        // The topic's history began with this subscription; its epoch is fixed now.
        topicEpoch = broker.head("t").epoch();
      }
      long start = before == 0 && !position.isLive() ? 1 : modelStart(last, oldest, position, topicEpoch);
      for (int i = 0; i < after; i++) {
        broker.publish("t", ByteString.copyFromUtf8("a" + i), Map.of()).join();
      }
      long newLast = last + after;

      List<Long> expected = LongStream.rangeClosed(start, newLast).boxed().toList();
      assertThat(sink.events).extracting(TopicEvent::offset).containsExactlyElementsOf(expected);
      String finalEpoch = topicEpoch;
      assertThat(sink.events).allSatisfy(e -> assertThat(e.epoch()).isEqualTo(finalEpoch));
      assertThat(sink.ended).isNull();
      subscription.cancel();
      assertThat(broker.subscriberCount("t")).isZero();
    }
  }

  @Property(tries = 200)
  void retentionByCountKeepsExactlyTheNewestEvents(
      @ForAll @IntRange(min = 1, max = 30) int retention, @ForAll @IntRange(min = 1, max = 100) int published) {
    try (InMemoryBroker broker = InMemoryBroker.builder().historyMaxEvents(retention).build()) {
      for (int i = 0; i < published; i++) {
        broker.publish("t", ByteString.copyFromUtf8("e" + i), Map.of()).join();
      }
      RecordingSink sink = new RecordingSink();
      broker.subscribe("t", Position.after(0, ""), sink).cancel();
      long oldest = Math.max(1, published - retention + 1);
      assertThat(sink.events).extracting(TopicEvent::offset)
          .containsExactlyElementsOf(LongStream.rangeClosed(oldest, published).boxed().toList());
      assertThat(sink.events).extracting(e -> e.event().getPayload().toStringUtf8())
          .containsExactlyElementsOf(LongStream.rangeClosed(oldest, published).mapToObj(o -> "e" + (o - 1)).toList());
    }
  }
}
