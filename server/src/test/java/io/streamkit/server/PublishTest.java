package io.streamkit.server;

import static io.streamkit.server.PushFixtures.event;
import static io.streamkit.server.PushFixtures.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.server.broker.InMemoryBroker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PublishTest {

  @Test
  void halfCloseAnswersTheCountAndTheLastOffsetPerTopic() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<PublishAck> ack = publish(s.channel,
          List.of(event("a", "1"), event("b", "1"), event("a", "2"), event("a", "3")));

      assertThat(ack.awaitStatus(Duration.ofSeconds(5)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(ack.values).singleElement().satisfies(a -> {
        assertThat(a.getCount()).isEqualTo(4);
        assertThat(a.getLastOffsetsMap()).containsEntry("a", 3L).containsEntry("b", 1L).hasSize(2);
      });
    }
  }

  @Test
  void anEmptyPublishStreamAnswersCountZero() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<PublishAck> ack = publish(s.channel, List.of());
      assertThat(ack.awaitStatus(Duration.ofSeconds(5)).getCode()).isEqualTo(Status.Code.OK);
      assertThat(ack.values.get(0).getCount()).isZero();
    }
  }

  @Test
  void aBadRequestEndsTheCallSayingHowManyWerePublishedAndThoseStayPublished() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<PublishAck> ack = publish(s.channel,
          List.of(event("ok", "1"), event("ok", "2"), event("ok", "3"), event("not ok!", "4"), event("ok", "5")));

      Status status = ack.awaitStatus(Duration.ofSeconds(5));
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription())
          .contains("request 4")
          .contains("'not ok!'")
          .contains("3 event(s) before it were published");
      assertThat(ack.values).isEmpty();
      assertThat(((InMemoryBroker) s.server.broker()).head("ok").offset()).isEqualTo(3);
    }
  }
}
