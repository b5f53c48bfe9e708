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
import io.streamkit.server.internal.broker.Cursor;
import io.streamkit.server.internal.broker.TopicHistory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * The broker core's offset, retention and replay rules against a model written from docs/SERVER-PUSH.md's table
 * as a filter over the retained events (not as the code's arithmetic): offsets 1..last with no hole, the newest
 * {@code historyMaxEvents} retained, and a subscription given the retained events its position asks for. Checked
 * on the in-memory broker and on a history driven the way a Redis mirror is (appends, resets to a new epoch,
 * trims).
 */
class BrokerModelProperties {

  /**
   * The model: which retained events a subscription from {@code position} is given before live ones. After N of
   * the topic's epoch (or of an unknown one) that the topic has reached: the retained events above N. After an
   * offset of another epoch, or one the topic has not reached (its history rolled back): everything retained.
   * Live: none.
   */
  static List<Long> modelReplay(List<Long> retained, long last, Position position, String topicEpoch) {
    if (position.isLive()) {
      return List.of();
    }
    boolean continuous = (position.epoch().isEmpty() || position.epoch().equals(topicEpoch))
        && position.afterOffset() <= last;
    return retained.stream().filter(o -> !continuous || o > position.afterOffset()).toList();
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
      List<Long> retained = new ArrayList<>(offsets.subList(Math.max(0, offsets.size() - retention), offsets.size()));
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
      List<Long> expected = new ArrayList<>(modelReplay(retained, last, position, topicEpoch));
      for (int i = 0; i < after; i++) {
        expected.add(broker.publish("t", ByteString.copyFromUtf8("a" + i), Map.of()).join().offset());
      }
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

  /** The state a Redis mirror's history goes through, kept as plainly as possible. */
  private static final class ModelTopic {
    String epoch;
    long last;
    final List<Long> retained = new ArrayList<>();
    final int retention;

    ModelTopic(int retention) {
      this.retention = retention;
    }

    void append(long offset) {
      if (offset > last + 1) {
        retained.clear(); // the events between were dropped elsewhere
      }
      retained.add(offset);
      last = offset;
      if (retained.size() > retention) {
        retained.remove(0);
      }
    }
  }

  /**
   * One step on the model and on the real history: 0-5 the next event, 6 an event past a hole, 7 the two oldest
   * trimmed, 8 a new epoch from offset 1 (Redis lost the topic), 9 a new epoch after half the last offset.
   * Returns the event appended, if any, as "offset@epoch".
   */
  private static String step(int op, ModelTopic model, TopicHistory history, int[] epochs) {
    switch (op) {
      case 7 -> {
        long keepFrom = model.retained.isEmpty() ? 0 : model.retained.get(0) + 2;
        model.retained.removeIf(o -> o < keepFrom);
        history.trim(keepFrom, Instant.EPOCH);
        return null;
      }
      case 8, 9 -> {
        model.epoch = "m" + (++epochs[0]);
        model.last = op == 8 ? 0 : model.last / 2;
        model.retained.clear();
        history.reset(model.epoch, model.last);
        history.signal();
        return null;
      }
      default -> {
        long offset = model.last + (op == 6 ? 3 : 1);
        model.append(offset);
        history.append(TopicEvent.of("t", offset, history.epoch(), ByteString.EMPTY, Map.of(), Instant.now()));
        history.signal();
        return offset + "@" + model.epoch;
      }
    }
  }

  @Property(tries = 400)
  void aMirroredHistoryWithResetsGapsAndTrimsGivesEachSubscriptionTheModelsEvents(
      @ForAll @IntRange(min = 1, max = 20) int retention,
      @ForAll @Size(max = 60) List<@IntRange(min = 0, max = 9) Integer> before,
      @ForAll @Size(max = 30) List<@IntRange(min = 0, max = 9) Integer> after,
      @ForAll @LongRange(min = -1, max = 80) long afterOffset,
      @ForAll @IntRange(min = 0, max = 2) int epochChoice) {
    ModelTopic model = new ModelTopic(retention);
    TopicHistory history = new TopicHistory("t", "", retention);
    int[] epochs = {0};
    step(8, model, history, epochs);
    for (int op : before) {
      step(op, model, history, epochs);
    }
    String asked = switch (epochChoice) {
      case 0 -> "";
      case 1 -> model.epoch;
      default -> "some-other-epoch";
    };
    Position position = afterOffset < 0 ? Position.live() : Position.after(afterOffset, asked);
    RecordingSink sink = new RecordingSink();
    Cursor cursor = history.subscribe(position, sink, Long.MAX_VALUE);

    List<String> expected = new ArrayList<>();
    for (long o : modelReplay(model.retained, model.last, position, model.epoch)) {
      expected.add(o + "@" + model.epoch);
    }
    for (int op : after) {
      String appended = step(op, model, history, epochs);
      if (appended != null) {
        expected.add(appended); // an always-ready subscriber gets each new event, across resets and holes
      }
    }

    assertThat(sink.events).extracting(e -> e.offset() + "@" + e.epoch()).containsExactlyElementsOf(expected);
    assertThat(sink.ended).isNull();
    cursor.cancel();
    assertThat(history.subscriberCount()).isZero();
  }
}
