package io.streamkit.server.internal.rpc;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.streamkit.api.v1.Event;
import io.streamkit.server.broker.TopicEvent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Writes a {@link TopicEvent}'s already-encoded bytes: the server's Subscribe stream never re-encodes an
 * event, whatever the number of subscribers. Bytes on the wire are exactly a {@code streamkit.v1.Event}.
 */
final class EventWireMarshaller implements MethodDescriptor.Marshaller<TopicEvent> {
  static final EventWireMarshaller INSTANCE = new EventWireMarshaller();

  @Override
  public InputStream stream(TopicEvent value) {
    return new WireStream(value.wire());
  }

  @Override
  public TopicEvent parse(InputStream stream) {
    try {
      return TopicEvent.of(Event.parseFrom(stream));
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription("invalid Event bytes").withCause(e).asRuntimeException();
    }
  }

  /** Lets grpc-java copy the bytes straight into its frame buffer (Drainable) with a known size. */
  private static final class WireStream extends ByteArrayInputStream implements KnownLength, Drainable {
    WireStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }
}
