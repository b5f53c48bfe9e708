package io.streamkit.server;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;

/** Reads a failed call's typed reason as a client in any language would: the ErrorInfo in its status details. */
final class Reasons {
  private Reasons() {}

  /** The {@code streamkit.io} ErrorInfo of a call that ended with {@code status} and {@code trailers}. */
  static ErrorInfo errorInfo(Status status, Metadata trailers) {
    com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
    for (Any any : details.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          ErrorInfo info = any.unpack(ErrorInfo.class);
          if (info.getDomain().equals("streamkit.io")) {
            return info;
          }
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError("an ErrorInfo that does not parse in the trailers of " + status, e);
        }
      }
    }
    throw new AssertionError("no streamkit.io ErrorInfo in the trailers of " + status + ": " + trailers);
  }
}
