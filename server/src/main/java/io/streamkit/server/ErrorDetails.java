package io.streamkit.server;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.protobuf.StatusProto;
import io.streamkit.api.v1.ErrorReason;
import java.util.Map;
import java.util.Objects;

/**
 * Typed reasons on failed calls: a {@link Status} that ends a call can carry a {@code google.rpc.ErrorInfo}
 * (domain {@value #DOMAIN}, a {@link ErrorReason} name, metadata such as {@code resume_after_offset}), which
 * reaches the client in the {@code grpc-status-details-bin} trailer. Programs decide by the reason; the
 * description stays for people. The reasons and their metadata keys are documented on {@link ErrorReason}
 * ({@code streamkit/v1/streaming.proto}), so clients in any language can use them.
 *
 * <p>How it travels inside the server: {@link #withReason} returns the status with a {@code StatusException} as
 * its cause whose trailers hold the details (the original cause, if any, behind it), so the status can pass
 * through APIs that take a plain {@code Status} (for example {@code EventSink.onEnd} or {@code StreamContext.close}); the server closes the call
 * with {@link #trailers(Status)}. A handler or broker of your own may use both.
 *
 * <p>Thread-safe (stateless).
 */
public final class ErrorDetails {
  /** The ErrorInfo domain of every StreamKit reason. */
  public static final String DOMAIN = "streamkit.io";

  private ErrorDetails() {}

  /**
   * {@code status} with an ErrorInfo of {@code reason} and {@code metadata} attached (replacing details
   * attached before). The status's code and description are unchanged.
   *
   * @throws IllegalArgumentException if {@code status} is OK or {@code reason} is ERROR_REASON_UNSPECIFIED or
   *     UNRECOGNIZED
   */
  public static Status withReason(Status status, ErrorReason reason, Map<String, String> metadata) {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(metadata, "metadata");
    if (status.isOk()) {
      throw new IllegalArgumentException("status: OK (expected: a failure; OK carries no error details)");
    }
    if (reason == ErrorReason.ERROR_REASON_UNSPECIFIED || reason == ErrorReason.UNRECOGNIZED) {
      throw new IllegalArgumentException("reason: " + reason + " (expected: a specific ErrorReason)");
    }
    com.google.rpc.Status details = com.google.rpc.Status.newBuilder()
        .setCode(status.getCode().value())
        .setMessage(status.getDescription() == null ? "" : status.getDescription())
        .addDetails(Any.pack(ErrorInfo.newBuilder()
            .setDomain(DOMAIN)
            .setReason(reason.name())
            .putAllMetadata(metadata)
            .build()))
        .build();
    Metadata trailers = StatusProto.toStatusException(details).getTrailers();
    // The original cause stays behind the carrier, for logs; Status.trailersFromThrowable finds the carrier first.
    return status.withCause(new StatusException(status, trailers));
  }

  /**
   * The trailers to close a call with {@code status}: the details attached by {@link #withReason}, or empty
   * trailers when none are. A new Metadata each time (grpc-java takes ownership of the trailers it is given).
   */
  public static Metadata trailers(Status status) {
    Metadata trailers = new Metadata();
    Metadata attached = attached(status);
    if (attached != null) {
      trailers.merge(attached);
    }
    return trailers;
  }

  /** The reason attached to {@code status} by {@link #withReason}, or ERROR_REASON_UNSPECIFIED when none is. */
  public static ErrorReason reason(Status status) {
    Metadata attached = attached(status);
    byte[] bytes = attached == null ? null : attached.get(DETAILS_KEY);
    if (bytes == null) {
      return ErrorReason.ERROR_REASON_UNSPECIFIED;
    }
    try {
      for (Any any : com.google.rpc.Status.parseFrom(bytes).getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          ErrorInfo info = any.unpack(ErrorInfo.class);
          if (DOMAIN.equals(info.getDomain())) {
            return ErrorReason.valueOf(info.getReason());
          }
        }
      }
    } catch (com.google.protobuf.InvalidProtocolBufferException | IllegalArgumentException e) {
      // Not ours, or not well formed: no reason.
    }
    return ErrorReason.ERROR_REASON_UNSPECIFIED;
  }

  private static Metadata attached(Status status) {
    return status.getCause() == null ? null : Status.trailersFromThrowable(status.getCause());
  }

  private static final Metadata.Key<byte[]> DETAILS_KEY =
      Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);
}
