package io.streamkit.client.internal;

import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.client.StreamKitException;

/** The exceptions the streams throw for calls made after they ended. */
final class StreamErrors {
  private StreamErrors() {}

  /**
   * For a {@code send} after the end: keeps the stream's code and cause, and says what happened and what
   * to do in the description.
   */
  static StreamKitException alreadyClosed(Status status, Metadata trailers) {
    String original = status.getDescription();
    String description = "stream already closed with status " + status.getCode()
        + (original == null ? "" : " (" + original + ")")
        + "; check isOpen() before send";
    return new StreamKitException(
        Status.fromCode(status.getCode()).withDescription(description).withCause(status.getCause()),
        trailers);
  }
}
