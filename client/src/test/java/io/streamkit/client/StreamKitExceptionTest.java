package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.streamkit.api.v1.Error;
import io.streamkit.api.v1.ErrorReason;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamKitExceptionTest {

  private static Metadata trailers(Status status, String domain, String reason, Map<String, String> metadata) {
    return StatusProto.toStatusException(com.google.rpc.Status.newBuilder()
        .setCode(status.getCode().value()).setMessage(String.valueOf(status.getDescription()))
        .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(domain).setReason(reason).putAllMetadata(metadata)
            .build()))
        .build()).getTrailers();
  }

  @Test
  void theReasonAndMetadataComeFromTheErrorInfoInTheTrailers() {
    Status status = Status.RESOURCE_EXHAUSTED.withDescription("subscriber too slow");
    StreamKitException e = new StreamKitException(status, trailers(status, "streamkit.io", "SUBSCRIBER_TOO_SLOW",
        Map.of("resume_after_offset", "4711", "epoch", "e1")));

    assertThat(e.reason()).isEqualTo(ErrorReason.SUBSCRIBER_TOO_SLOW);
    assertThat(e.metadata()).containsEntry("resume_after_offset", "4711").containsEntry("epoch", "e1");
    assertThat(e).hasMessage("RESOURCE_EXHAUSTED: subscriber too slow");
  }

  @Test
  void withoutAReasonOfOurDomainOrWithOneThisClientDoesNotKnowTheReasonIsUnspecified() {
    Status status = Status.UNAVAILABLE;
    assertThat(new StreamKitException(status).reason()).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
    assertThat(new StreamKitException(status, new Metadata()).reason())
        .isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
    assertThat(new StreamKitException(status, trailers(status, "example.com", "SERVER_SHUTTING_DOWN", Map.of()))
        .reason()).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
    StreamKitException newer =
        new StreamKitException(status, trailers(status, "streamkit.io", "A_REASON_FROM_THE_FUTURE", Map.of("k", "v")));
    assertThat(newer.reason()).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
    assertThat(newer.metadata()).containsEntry("k", "v");
  }

  @Test
  void aPerMessageErrorBecomesAnExceptionWithItsCodeReasonAndMetadata() {
    StreamKitException e = StreamKitException.of(Error.newBuilder().setCode(12)
        .setMessage("no handler for route 'x'").setReason("ROUTE_UNKNOWN").putMetadata("route", "x").build());

    assertThat(e.status().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(e).hasMessage("UNIMPLEMENTED: no handler for route 'x'");
    assertThat(e.reason()).isEqualTo(ErrorReason.ROUTE_UNKNOWN);
    assertThat(e.metadata()).isEqualTo(Map.of("route", "x"));
  }

  @Test
  void okIsNeverAnException() {
    assertThatThrownBy(() -> new StreamKitException(Status.OK))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("status: OK");
    assertThatThrownBy(() -> StreamKitException.of(Error.newBuilder().setCode(0).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("error.code: 0");
  }
}
