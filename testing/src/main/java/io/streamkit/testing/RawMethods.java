package io.streamkit.testing;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Method descriptors whose messages are raw bytes, so a test can send a server any request body at all (for
 * example bytes that are no valid protobuf message) through an ordinary grpc-java channel. Thread-safe.
 */
public final class RawMethods {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private RawMethods() {}

  /** {@code fullMethodName} (e.g. {@code streamkit.v1.StreamService/Chat}) of {@code type}, bytes both ways. */
  public static MethodDescriptor<byte[], byte[]> of(String fullMethodName, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setFullMethodName(fullMethodName)
        .setType(type)
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }
}
