package io.streamkit.server.internal;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import io.grpc.Drainable;

/**
 * A ServerCall that encodes every message with its method's marshaller, as grpc-java's framer would, and throws
 * the bytes away: the microbenchmarks measure StreamKit's code plus encoding, not the transport. {@link #ready}
 * is set by the benchmark. Thread-compatible.
 */
final class DiscardingCall<ReqT, RespT> extends ServerCall<ReqT, RespT> {
  private final MethodDescriptor<ReqT, RespT> method;
  private final CountingStream sink = new CountingStream();
  boolean ready = true;

  DiscardingCall(MethodDescriptor<ReqT, RespT> method) {
    this.method = method;
  }

  long bytes() {
    return sink.count;
  }

  @Override
  public void request(int numMessages) {}

  @Override
  public void sendHeaders(Metadata headers) {}

  @Override
  public void sendMessage(RespT message) {
    drain(method.getResponseMarshaller().stream(message), sink);
  }

  static void drain(InputStream in, OutputStream sink) {
    try {
      if (in instanceof Drainable) {
        ((Drainable) in).drainTo(sink);
      } else {
        in.transferTo(sink);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean isReady() {
    return ready;
  }

  @Override
  public void close(Status status, Metadata trailers) {}

  @Override
  public boolean isCancelled() {
    return false;
  }

  @Override
  public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
    return method;
  }

  /** Counts what a frame buffer would receive. */
  static final class CountingStream extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
