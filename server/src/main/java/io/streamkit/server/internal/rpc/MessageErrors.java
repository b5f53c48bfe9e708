package io.streamkit.server.internal.rpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.Metadata;
import io.streamkit.api.v1.Error;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import java.util.Map;

/**
 * Per-message errors ({@code Message.error}) and call statuses are two forms of one failure: a status code, a
 * description for people, and a typed reason with metadata for programs. This converts between them, so a reason
 * survives whichever form the wire allows. Stateless and thread-safe.
 */
public final class MessageErrors {
  private MessageErrors() {}

  /** The per-message error of {@code code}, {@code description}, {@code reason} and {@code metadata}. */
  public static Error error(Status.Code code, String description, ErrorReason reason, Map<String, String> metadata) {
    return Error.newBuilder().setCode(code.value()).setMessage(description).setReason(reason.name())
        .putAllMetadata(metadata).build();
  }

  /**
   * The per-message error for {@code status}: its code and description, and the reason and metadata attached with
   * {@link ErrorDetails#withReason} when there are.
   */
  public static Error fromStatus(Status status) {
    Error.Builder error = Error.newBuilder().setCode(status.getCode().value())
        .setMessage(status.getDescription() == null ? status.getCode().name() : status.getDescription());
    ErrorInfo info = errorInfo(status);
    if (info != null) {
      error.setReason(info.getReason()).putAllMetadata(info.getMetadataMap());
    }
    return error.build();
  }

  /**
   * The status that ends a call for {@code error}, where the wire has no per-message errors: its code and
   * message, with its reason and metadata attached when the reason is one of {@link ErrorReason}'s.
   */
  public static Status toStatus(Error error) {
    Status status = Status.fromCodeValue(error.getCode()).withDescription(error.getMessage());
    if (status.isOk() || error.getReason().isEmpty()) {
      return status;
    }
    ErrorReason reason;
    try {
      reason = ErrorReason.valueOf(error.getReason());
    } catch (IllegalArgumentException notOurs) {
      return status; // a handler's own reason word: the code and message still say what happened
    }
    if (reason == ErrorReason.ERROR_REASON_UNSPECIFIED || reason == ErrorReason.UNRECOGNIZED) {
      return status;
    }
    return ErrorDetails.withReason(status, reason, error.getMetadataMap());
  }

  private static final Metadata.Key<byte[]> DETAILS_KEY =
      Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);

  /** The ErrorInfo of domain {@value ErrorDetails#DOMAIN} attached to {@code status}, or null. */
  static ErrorInfo errorInfo(Status status) {
    if (status.getCause() == null) {
      return null;
    }
    byte[] bytes = ErrorDetails.trailers(status).get(DETAILS_KEY);
    if (bytes == null) {
      return null;
    }
    try {
      for (Any any : com.google.rpc.Status.parseFrom(bytes).getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          ErrorInfo info = any.unpack(ErrorInfo.class);
          if (ErrorDetails.DOMAIN.equals(info.getDomain())) {
            return info;
          }
        }
      }
    } catch (InvalidProtocolBufferException e) {
      return null; // not attached by ErrorDetails: no reason of ours
    }
    return null;
  }
}
