package io.streamkit.client.internal;

import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.client.StreamKitException;

/** The exceptions the streams throw for calls made after they ended. */
final class StreamErrors {
  private StreamErrors() {}

  /**
   * For a {@code send} after the end. A failed end keeps the stream's code and cause, and says what happened and
   * what to do in the description: "stream never opened (...)" when the stream failed before it reached the server
   * (its headers were never written, e.g. no connection), else "stream already closed with status X (...)". An end
   * with OK is not a failure, so not a StreamKitException (whose status is never OK): the caller sent after the
   * server completed the stream, an IllegalStateException.
   */
  static RuntimeException alreadyClosed(Status status, Metadata trailers, boolean opened) {
    if (status.isOk()) {
      return new IllegalStateException("send after the end of the stream: the server completed it; check isOpen() "
          + "before send");
    }
    String original = status.getDescription();
    String cause = original == null ? "" : " (" + original + ")";
    // A stream the application (or the client's close) cancelled early was closed, whether or not it had opened.
    String description = opened || status.getCode() == Status.Code.CANCELLED
        ? "stream already closed with status " + status.getCode() + cause + "; check isOpen() before send"
        : "stream never opened" + cause;
    return new StreamKitException(
        Status.fromCode(status.getCode()).withDescription(description).withCause(status.getCause()),
        trailers);
  }
}
