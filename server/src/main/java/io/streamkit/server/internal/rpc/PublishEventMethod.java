package io.streamkit.server.internal.rpc;

import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.Topics;
import io.streamkit.server.internal.security.CallSecurity;
import io.streamkit.server.security.Principal;
import java.util.Map;
import java.util.Optional;

/**
 * StreamService/PublishEvent: one event, acknowledged once the broker stored it, with Publish's validation and
 * authorization. The ack is {@code count 1} and the event's offset under its topic.
 *
 * <p>Thread-safe (stateless); the broker's completion may answer from any thread.
 */
final class PublishEventMethod implements ServerCalls.UnaryMethod<PublishRequest, PublishAck> {
  private final Broker broker;
  private final CallSecurity security;

  PublishEventMethod(Broker broker, CallSecurity security) {
    this.broker = broker;
    this.security = security;
  }

  @Override
  public void invoke(PublishRequest request, StreamObserver<PublishAck> response) {
    String topic = request.getTopic();
    String problem = Topics.problem(topic);
    if (problem != null) {
      fail(response, ErrorDetails.withReason(Status.INVALID_ARGUMENT.withDescription(problem),
          ErrorReason.TOPIC_INVALID, Map.of("topic", topic)));
      return;
    }
    Optional<Principal> principal = CallSecurity.currentPrincipal();
    Status denied = security.checkPublish(principal, topic);
    if (denied != null) {
      fail(response, denied);
      return;
    }
    broker.publish(topic, request.getPayload(), request.getHeadersMap()).whenComplete((published, error) -> {
      if (error != null) {
        Status status = Status.fromThrowable(error);
        fail(response, status.withDescription(
            "publishing to topic '" + topic + "' failed: " + status.getDescription()));
        return;
      }
      response.onNext(PublishAck.newBuilder().setCount(1).putLastOffsets(topic, published.offset()).build());
      response.onCompleted();
    });
  }

  private static void fail(StreamObserver<PublishAck> response, Status status) {
    response.onError(status.asRuntimeException(ErrorDetails.trailers(status)));
  }
}
