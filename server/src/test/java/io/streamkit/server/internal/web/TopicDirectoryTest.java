package io.streamkit.server.internal.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.TopicEvent;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TopicDirectoryTest {

  @Test
  void itOverridesEveryBrokerMethodDefaultsIncluded() throws Exception {
    for (Method m : Broker.class.getMethods()) {
      if (Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      // Declared by TopicDirectory or by the shared ForwardingBroker it extends, never left to the interface default.
      assertThat(TopicDirectory.class.getMethod(m.getName(), m.getParameterTypes()).getDeclaringClass().isInterface())
          .as("TopicDirectory forwards %s", m).isFalse();
    }
    Class<?> watched = Class.forName(TopicDirectory.class.getName() + "$Watched");
    for (Method m : EventSink.class.getMethods()) {
      // Declared by Watched or by what it extends (ObservedSubscription, ForwardingEventSink), never the interface.
      assertThat(watched.getMethod(m.getName(), m.getParameterTypes()).getDeclaringClass().isInterface())
          .as("its sink forwards %s", m).isFalse();
    }
  }

  @Test
  void itShowsEachTopicsEpochLastOffsetAndSubscribersAndCountsDeliveries() {
    try (InMemoryBroker broker = InMemoryBroker.builder().build()) {
      TopicDirectory directory = new TopicDirectory(broker);
      List<TopicEvent> got = new CopyOnWriteArrayList<>();
      BrokerSubscription sub = directory.subscribe("b", Position.live(), new EventSink() {
        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void onEvent(TopicEvent event) {
          got.add(event);
        }

        @Override
        public void onEnd(Status status) {}
      });
      directory.publish("a", ByteString.EMPTY, Map.of()).join();
      directory.publish("b", ByteString.EMPTY, Map.of()).join();
      directory.publish("b", ByteString.EMPTY, Map.of()).join();

      String json = directory.json();
      String epoch = broker.head("b").epoch();

      assertThat(json).startsWith("{\"published\":3,\"delivered\":2,\"limit\":1000,\"topics\":[")
          .contains("{\"topic\":\"a\",\"epoch\":\"" + broker.head("a").epoch() + "\",\"lastOffset\":\"1\","
              + "\"subscribers\":0}")
          .contains("{\"topic\":\"b\",\"epoch\":\"" + epoch + "\",\"lastOffset\":\"2\",\"subscribers\":1}");
      sub.cancel();
      assertThat(directory.json()).contains("\"lastOffset\":\"2\",\"subscribers\":0}");
    }
  }

  @Test
  void itTracksAtMostItsLimitDroppingTopicsWithoutSubscribers() {
    try (InMemoryBroker broker = InMemoryBroker.builder().build()) {
      TopicDirectory directory = new TopicDirectory(broker);
      for (int i = 0; i < TopicDirectory.MAX_TOPICS + 50; i++) {
        directory.publish("t" + i, ByteString.EMPTY, Map.of()).join();
      }

      int shown = directory.json().split("\"topic\":").length - 1;

      assertThat(shown).isLessThanOrEqualTo(TopicDirectory.MAX_TOPICS).isGreaterThan(0);
    }
  }
}
