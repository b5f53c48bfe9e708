package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthAndReflectionTest {

  @Test
  void theHealthServiceReportsServingOnceStarted() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      ServingStatus status = HealthGrpc.newBlockingStub(s.channel)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
      assertThat(status).isEqualTo(ServingStatus.SERVING);
    }
  }

  @Test
  void serverReflectionListsBothContracts() throws Exception {
    try (LoopbackServer s = LoopbackServer.start()) {
      RecordingObserver<ServerReflectionResponse> responses = new RecordingObserver<>();
      StreamObserver<ServerReflectionRequest> requests =
          ServerReflectionGrpc.newStub(s.channel).serverReflectionInfo(responses);
      requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
      requests.onCompleted();
      responses.awaitStatus(Duration.ofSeconds(5));

      assertThat(responses.values.get(0).getListServicesResponse().getServiceList())
          .extracting(ServiceResponse::getName)
          .contains("streamkit.v1.StreamService", "example.Greeter", "grpc.health.v1.Health");
    }
  }
}
