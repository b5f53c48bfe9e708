package io.streamkit.server.internal.rpc;

import io.grpc.Drainable;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

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

  /**
   * Copies what it is given into a reused buffer, as grpc-java's framer copies a message into its frame buffer, and
   * counts the bytes: so a marshaller that hands over ready bytes still pays for the copy.
   */
  static final class CountingStream extends OutputStream {
    private final byte[] buffer = new byte[64 * 1024];
    long count;

    @Override
    public void write(int b) {
      buffer[(int) (count++ & (buffer.length - 1))] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      while (len > 0) {
        int at = (int) (count & (buffer.length - 1));
        int n = Math.min(len, buffer.length - at);
        System.arraycopy(b, off, buffer, at, n);
        count += n;
        off += n;
        len -= n;
      }
    }
  }
}
