package io.streamkit.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.streamkit.api.v1.ErrorReason;
import java.util.Map;
import java.util.Objects;

/**
 * The one exception type of the client facade: a stream or call ended, or could not proceed, with a
 * {@link Status} that is never OK. The message is the status code followed by its description, e.g.
 * {@code "UNIMPLEMENTED: no handler for route 'nope'"}; the cause is the status' cause, if any.
 *
 * <p>Programs decide by {@link #reason()}, not by the message: the server attaches a typed reason (a
 * {@code google.rpc.ErrorInfo} of domain {@value #DOMAIN} to a failed call, or {@code Error.reason} to an error
 * reply on Chat) with {@link #metadata()}, both documented on {@link ErrorReason} in
 * {@code streamkit/v1/streaming.proto}. When there is none (a failure this client detected itself, such as a
 * refused connection, or a server that sent no reason), {@code reason()} is {@code ERROR_REASON_UNSPECIFIED}:
 * decide by {@code status().getCode()} then. A reason newer than this client is also UNSPECIFIED.
 *
 * <p>Immutable and thread-safe. Not serializable in a useful way: the status and trailers are transient.
 */
public final class StreamKitException extends RuntimeException {
  /** The {@code google.rpc.ErrorInfo} domain of StreamKit's reasons. */
  public static final String DOMAIN = "streamkit.io";

  private static final long serialVersionUID = 1L;

  private final transient Status status;
  private final transient Metadata trailers;
  private final ErrorReason reason;
  private final Map<String, String> metadata;

  /**
   * An exception for {@code status} without trailers: its reason is the one carried by the status' cause, if
   * that is a {@code StatusException} or {@code StatusRuntimeException} with details, else UNSPECIFIED.
   *
   * @throws IllegalArgumentException if {@code status} is OK: nothing failed
   */
  public StreamKitException(Status status) {
    this(status, null);
  }

  /**
   * An exception for {@code status}, reading its reason and metadata from the {@code google.rpc.ErrorInfo} in
   * {@code trailers} ({@code grpc-status-details-bin}), if there is one of domain {@value #DOMAIN}.
   *
   * @param trailers the trailers the server ended the stream with, or {@code null} when there are none (the
   *     failure was local)
   * @throws IllegalArgumentException if {@code status} is OK: nothing failed
   */
  public StreamKitException(Status status, Metadata trailers) {
    this(checkFailure(status), trailers, errorInfo(status, trailers));
  }

  private StreamKitException(Status status, Metadata trailers, ErrorInfo info) {
    super(message(status), status.getCause());
    this.status = status;
    this.trailers = trailers;
    this.reason = info == null ? ErrorReason.ERROR_REASON_UNSPECIFIED : reasonNamed(info.getReason());
    this.metadata = info == null ? Map.of() : Map.copyOf(info.getMetadataMap());
  }

  /**
   * The exception for a per-message failure: a Chat reply whose {@code error} is set. Its status has the error's
   * code and message; its reason and metadata are the error's.
   *
   * @throws IllegalArgumentException if the error's code is 0 (OK): nothing failed
   */
  public static StreamKitException of(io.streamkit.api.v1.Error error) {
    Objects.requireNonNull(error, "error");
    if (error.getCode() == 0) {
      throw new IllegalArgumentException("error.code: 0 (expected: a gRPC status code of a failure)");
    }
    Status status = Status.fromCodeValue(error.getCode()).withDescription(error.getMessage());
    ErrorInfo info = error.getReason().isEmpty() && error.getMetadataCount() == 0 ? null
        : ErrorInfo.newBuilder().setDomain(DOMAIN).setReason(error.getReason())
            .putAllMetadata(error.getMetadataMap()).build();
    return new StreamKitException(status, null, info);
  }

  /** The status; never OK. */
  public Status status() {
    return status;
  }

  /** The trailers the server sent with the status, or {@code null} when there are none. */
  public Metadata trailers() {
    return trailers;
  }

  /**
   * Why it failed, for programs: the server's typed reason, or {@code ERROR_REASON_UNSPECIFIED} when there is
   * none or this client does not know it (then decide by {@code status().getCode()}). Never null.
   */
  public ErrorReason reason() {
    return reason;
  }

  /** The reason's metadata (keys documented per reason on {@link ErrorReason}); empty when there is none. */
  public Map<String, String> metadata() {
    return metadata;
  }

  private static Status checkFailure(Status status) {
    Objects.requireNonNull(status, "status");
    if (status.isOk()) {
      throw new IllegalArgumentException("status: OK (expected: a failure; an OK status is not an error)");
    }
    return status;
  }

  private static ErrorInfo errorInfo(Status status, Metadata trailers) {
    Metadata details = trailers != null ? trailers
        : status.getCause() == null ? null : Status.trailersFromThrowable(status.getCause());
    if (details == null) {
      return null;
    }
    com.google.rpc.Status proto;
    try {
      proto = StatusProto.fromStatusAndTrailers(status, details);
    } catch (IllegalArgumentException e) {
      return null; // details whose code is not the status': not a reason for this status
    }
    for (Any any : proto.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          ErrorInfo info = any.unpack(ErrorInfo.class);
          if (DOMAIN.equals(info.getDomain())) {
            return info;
          }
        } catch (InvalidProtocolBufferException e) {
          // A malformed detail is no reason: the status code still says what happened.
        }
      }
    }
    return null;
  }

  private static ErrorReason reasonNamed(String name) {
    try {
      ErrorReason reason = ErrorReason.valueOf(name);
      return reason == ErrorReason.UNRECOGNIZED ? ErrorReason.ERROR_REASON_UNSPECIFIED : reason;
    } catch (IllegalArgumentException e) {
      return ErrorReason.ERROR_REASON_UNSPECIFIED; // a reason newer than this client
    }
  }

  private static String message(Status status) {
    String description = status.getDescription();
    return description == null ? status.getCode().name() : status.getCode() + ": " + description;
  }
}
