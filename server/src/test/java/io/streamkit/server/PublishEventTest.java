package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.server.broker.InMemoryBroker;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PublishEventTest {

  @Test
  void oneEventIsAcknowledgedWithCountOneAndItsOffsetOnceStored() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      var stub = StreamServiceGrpc.newBlockingStub(s.channel).withDeadlineAfter(10, TimeUnit.SECONDS);

      PublishAck first = stub.publishEvent(request("orders", "a"));
      PublishAck second = stub.publishEvent(request("orders", "b"));

      assertThat(first.getCount()).isEqualTo(1);
      assertThat(first.getLastOffsetsMap()).containsExactlyEntriesOf(java.util.Map.of("orders", 1L));
      assertThat(second.getLastOffsetsMap()).containsEntry("orders", 2L);
      assertThat(((InMemoryBroker) s.server.broker()).head("orders").offset()).isEqualTo(2);
    }
  }

  @Test
  void aBadTopicIsInvalidArgumentWithTheReasonTopicInvalidAndNothingIsStored() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      var stub = StreamServiceGrpc.newBlockingStub(s.channel).withDeadlineAfter(10, TimeUnit.SECONDS);

      StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
          () -> stub.publishEvent(request("no spaces", "x")));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("'no spaces'");
      ErrorInfo info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
      assertThat(info.getReason()).isEqualTo("TOPIC_INVALID");
      assertThat(info.getMetadataMap()).containsEntry("topic", "no spaces");
      assertThat(((InMemoryBroker) s.server.broker()).topicCount()).isZero();
    }
  }

  private static PublishRequest request(String topic, String payload) {
    return PublishRequest.newBuilder().setTopic(topic).setPayload(ByteString.copyFromUtf8(payload)).build();
  }
}
