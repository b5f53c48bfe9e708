package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.streamkit.api.v1.ErrorReason;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorDetailsTest {

  @Test
  void aReasonTravelsInTheTrailersAsAnErrorInfoOfTheStreamKitDomain() throws Exception {
    Status status = ErrorDetails.withReason(Status.RESOURCE_EXHAUSTED.withDescription("too slow"),
        ErrorReason.SUBSCRIBER_TOO_SLOW, Map.of("resume_after_offset", "41", "epoch", "e1"));

    Metadata trailers = ErrorDetails.trailers(status);
    com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);

    assertThat(details.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
    assertThat(details.getMessage()).isEqualTo("too slow");
    ErrorInfo info = details.getDetails(0).unpack(ErrorInfo.class);
    assertThat(info.getDomain()).isEqualTo("streamkit.io");
    assertThat(info.getReason()).isEqualTo("SUBSCRIBER_TOO_SLOW");
    assertThat(info.getMetadataMap()).containsEntry("resume_after_offset", "41").containsEntry("epoch", "e1");
    assertThat(ErrorDetails.reason(status)).isEqualTo(ErrorReason.SUBSCRIBER_TOO_SLOW);
  }

  @Test
  void theCodeDescriptionAndOriginalCauseAreKept() {
    IOException io = new IOException("connection reset");
    Status status = ErrorDetails.withReason(Status.UNAVAILABLE.withDescription("Redis down").withCause(io),
        ErrorReason.BROKER_UNAVAILABLE, Map.of());

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).isEqualTo("Redis down");
    assertThat(status.getCause().getCause()).isSameAs(io);
  }

  @Test
  void aStatusWithoutDetailsClosesWithEmptyTrailersAndNoReason() {
    Status plain = Status.CANCELLED.withDescription("bye");

    assertThat(ErrorDetails.trailers(plain).keys()).isEmpty();
    assertThat(ErrorDetails.reason(plain)).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
  }

  @Test
  void okAndUnspecifiedReasonsAreRefused() {
    assertThatThrownBy(() -> ErrorDetails.withReason(Status.OK, ErrorReason.ROUTE_EMPTY, Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("status: OK");
    assertThatThrownBy(() -> ErrorDetails.withReason(
            Status.INTERNAL, ErrorReason.ERROR_REASON_UNSPECIFIED, Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reason: ERROR_REASON_UNSPECIFIED");
  }
}
