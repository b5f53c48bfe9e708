package io.streamkit.client;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Objects;

/**
 * The one exception type of the client facade: a stream or call ended, or could not proceed, with a
 * {@link Status}. The message is the status code followed by its description, e.g.
 * {@code "UNIMPLEMENTED: no handler for route 'nope'"}; the cause is the status' cause, if any.
 *
 * <p>Immutable and thread-safe. Not serializable in a useful way: the status and trailers are transient.
 */
public final class StreamKitException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Status status;
  private final transient Metadata trailers;

  /** An exception for {@code status} without trailers. */
  public StreamKitException(Status status) {
    this(status, null);
  }

  /**
   * An exception for {@code status}.
   *
   * @param trailers the trailers the server ended the stream with, or {@code null} when there are none
   *     (the failure was local, or it was a per-message error reply)
   */
  public StreamKitException(Status status, Metadata trailers) {
    super(message(Objects.requireNonNull(status, "status")), status.getCause());
    this.status = status;
    this.trailers = trailers;
  }

  /** The status; never OK. */
  public Status status() {
    return status;
  }

  /** The trailers the server sent with the status, or {@code null} when there are none. */
  public Metadata trailers() {
    return trailers;
  }

  private static String message(Status status) {
    String description = status.getDescription();
    return description == null ? status.getCode().name() : status.getCode() + ": " + description;
  }
}
