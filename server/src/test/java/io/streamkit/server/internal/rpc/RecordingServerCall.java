package io.streamkit.server.internal.rpc;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.util.ArrayList;
import java.util.List;

/**
 * A recording fake of a Chat {@link ServerCall}, in grpc-java's style (a ServerCall is not to be mocked): it keeps
 * every interaction in order, and its readiness is set by the test. Thread-compatible: the code under test calls
 * it under its own monitor; the test reads it after.
 */
final class RecordingServerCall extends ServerCall<Message, Message> {
  /** Every interaction, in order: "request 8", "headers", "message &lt;id&gt;", "close CODE". */
  final List<String> log = new ArrayList<>();
  final List<Message> sent = new ArrayList<>();
  boolean ready;
  int requested;
  Status closeStatus;
  Metadata closeTrailers;

  @Override
  public void request(int numMessages) {
    requested += numMessages;
    log.add("request " + numMessages);
  }

  @Override
  public void sendHeaders(Metadata headers) {
    log.add("headers");
  }

  @Override
  public void sendMessage(Message message) {
    if (closeStatus != null) {
      throw new IllegalStateException("sendMessage after close: " + message.getId());
    }
    sent.add(message);
    log.add("message " + message.getId());
  }

  @Override
  public boolean isReady() {
    return ready;
  }

  @Override
  public void close(Status status, Metadata trailers) {
    if (closeStatus != null) {
      throw new IllegalStateException("call already closed with " + closeStatus + "; closed again with " + status);
    }
    closeStatus = status;
    closeTrailers = trailers;
    log.add("close " + status.getCode());
  }

  @Override
  public boolean isCancelled() {
    return false;
  }

  @Override
  public MethodDescriptor<Message, Message> getMethodDescriptor() {
    return StreamServiceGrpc.getChatMethod();
  }
}
