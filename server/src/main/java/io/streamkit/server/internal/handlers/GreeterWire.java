package io.streamkit.server.internal.handlers;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.v1.Message;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * example.Greeter/Chat served straight as {@link Message}s: the request marshaller reads an
 * {@code example.MessageRequest}'s bytes into a {@code greeter}-route Message whose payload is the raw bytes of
 * {@code content}, and the response marshaller writes a reply Message's payload as an
 * {@code example.MessageResponse}'s {@code reply}. Bytes on the wire are exactly the generated types'.
 *
 * <p>Why: going through the generated types decodes every request's text into a String, encodes it again
 * into the Message, decodes every reply to a String and encodes it once more: for a small message, a large share of
 * the server's CPU per message (docs/BENCHMARKS.md has the figures).
 */
public final class GreeterWire {
  private GreeterWire() {}

  /** {@code content} of MessageRequest and {@code reply} of MessageResponse: both field 1, a proto3 string. */
  private static final int TEXT_FIELD = 1;
  /** Field 1, length-delimited ({@code (field << 3) | wire type}; WireFormat.makeTag is not public). */
  private static final int TEXT_TAG = (TEXT_FIELD << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  /** Parses MessageRequest bytes into a Message of route {@code greeter}. */
  static final MethodDescriptor.Marshaller<Message> REQUEST = new RequestMarshaller();

  /** Writes a Message's payload as MessageResponse bytes; every other field of the Message is not sent. */
  static final MethodDescriptor.Marshaller<Message> RESPONSE = new ResponseMarshaller();

  /** The generated descriptor's name, type and schema, with the two marshallers above. */
  public static final MethodDescriptor<Message, Message> CHAT =
      GreeterGrpc.getChatMethod().toBuilder(REQUEST, RESPONSE).build();

  static final class RequestMarshaller implements MethodDescriptor.Marshaller<Message> {
    @Override
    public InputStream stream(Message value) {
      // Only the server side uses this marshaller: requests are parsed, never written. Kept correct anyway.
      return RESPONSE.stream(value);
    }

    @Override
    public Message parse(InputStream stream) {
      ByteString content;
      try {
        byte[] bytes = readAll(stream);
        content = onlyContent(bytes);
        if (content == null) {
          content = parseFields(bytes);
        }
      } catch (InvalidProtocolBufferException e) {
        // The generated marshaller's description, so every method reports a broken message alike.
        throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("cannot read the request: " + e).withCause(e).asRuntimeException();
      }
      // The generated parser rejects a proto3 string that is not UTF-8; handlers may rely on it being text.
      if (!content.isValidUtf8()) {
        throw Status.INVALID_ARGUMENT
            .withDescription("field content (1) is not valid UTF-8")
            .asRuntimeException();
      }
      return Message.newBuilder().setRoute(GreeterHandler.ROUTE).setPayload(content).build();
    }

    /**
     * What every Greeter client sends: nothing, or {@code content} alone with a length of one or two varint
     * bytes, read without a parser. Null for any other shape, which {@link #parseFields} reads.
     */
    private static ByteString onlyContent(byte[] bytes) {
      if (bytes.length == 0) {
        return ByteString.EMPTY;
      }
      if (bytes.length < 2 || bytes[0] != TEXT_TAG) {
        return null;
      }
      int length = bytes[1];
      int header = 2;
      if (length < 0) { // a second varint byte: lengths 128 to 16383
        if (bytes.length < 3 || bytes[2] < 0) {
          return null;
        }
        length = (length & 0x7f) | (bytes[2] << 7);
        header = 3;
      }
      // The payload is a view of this array, which nothing else holds: no copy.
      return header + length == bytes.length ? UnsafeByteOperations.unsafeWrap(bytes, header, length) : null;
    }

    private static ByteString parseFields(byte[] bytes) throws IOException {
      ByteString content = ByteString.EMPTY;
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.enableAliasing(true); // the payload is a view of this array, which nothing else holds: no copy
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == TEXT_TAG) {
          content = in.readBytes(); // proto3: the last occurrence wins
        } else if (!in.skipField(tag)) {
          break; // an end-group tag ends the message, as in the generated parser
        }
      }
      return content;
    }

    private static byte[] readAll(InputStream stream) throws IOException {
      if (stream instanceof KnownLength) {
        // grpc-java hands over a complete message whose size it knows: one exact copy.
        int size = stream.available();
        byte[] bytes = new byte[size];
        int n = stream.readNBytes(bytes, 0, size);
        if (n == size && stream.read() == -1) {
          return bytes;
        }
        byte[] rest = stream.readAllBytes();
        byte[] all = new byte[n + rest.length];
        System.arraycopy(bytes, 0, all, 0, n);
        System.arraycopy(rest, 0, all, n, rest.length);
        return all;
      }
      return stream.readAllBytes();
    }
  }

  static final class ResponseMarshaller implements MethodDescriptor.Marshaller<Message> {
    @Override
    public InputStream stream(Message value) {
      return new ReplyStream(value.getPayload());
    }

    @Override
    public Message parse(InputStream stream) {
      // Same layout (field 1, a string): a client reading replies this way gets each reply's text as payload.
      return REQUEST.parse(stream);
    }
  }

  /**
   * MessageResponse{reply = payload} as a stream: grpc-java drains it into its frame buffer (the payload copied
   * once, from the Message's own bytes), or reads it, which encodes it into an array first.
   */
  private static final class ReplyStream extends InputStream implements Drainable, KnownLength {
    private final ByteString payload;
    private final int size;
    /** Set once read through the InputStream methods (or drained): what is left to read. */
    private ByteArrayInputStream read;
    /** What is left of a stream drained: nothing. Stateless once empty, so one is shared. */
    private static final ByteArrayInputStream DRAINED = new ByteArrayInputStream(new byte[0]);
    /** Payloads up to this size are copied next to their header rather than written as they are. */
    private static final int COPY_UP_TO = 4096;

    ReplyStream(ByteString payload) {
      this.payload = payload;
      // proto3 leaves an empty string out: an empty reply is zero bytes, as MessageResponse encodes it.
      this.size = payload.isEmpty() ? 0 : CodedOutputStream.computeBytesSize(TEXT_FIELD, payload);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      if (read != null) {
        int n = read.available();
        read.transferTo(target);
        return n;
      }
      read = DRAINED;
      if (size == 0) {
        return 0;
      }
      int length = payload.size();
      if (length <= COPY_UP_TO) {
        // Small: one array for the header and the payload, one write (as the generated message's own stream).
        byte[] bytes = new byte[size];
        int header = writeHeader(bytes, length);
        payload.copyTo(bytes, header);
        target.write(bytes);
      } else {
        byte[] header = new byte[size - length];
        writeHeader(header, length);
        target.write(header);
        UnsafeByteOperations.unsafeWriteTo(payload, new StreamByteOutput(target)); // no copy of a large payload
      }
      return size;
    }

    /** Writes field 1's tag and {@code length} as a varint at the start of {@code bytes}; returns the bytes used. */
    private static int writeHeader(byte[] bytes, int length) {
      bytes[0] = (byte) TEXT_TAG;
      int i = 1;
      while ((length & ~0x7f) != 0) {
        bytes[i++] = (byte) ((length & 0x7f) | 0x80);
        length >>>= 7;
      }
      bytes[i++] = (byte) length;
      return i;
    }

    @Override
    public int available() {
      return read != null ? read.available() : size;
    }

    @Override
    public int read() {
      return buffered().read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return buffered().read(b, off, len);
    }

    private ByteArrayInputStream buffered() {
      if (read == null) {
        byte[] bytes = new byte[size];
        if (size > 0) {
          CodedOutputStream out = CodedOutputStream.newInstance(bytes);
          try {
            out.writeBytes(TEXT_FIELD, payload);
          } catch (IOException e) {
            throw new IllegalStateException("the computed size " + size + " is wrong", e); // cannot happen
          }
          out.checkNoSpaceLeft();
        }
        read = new ByteArrayInputStream(bytes);
      }
      return read;
    }
  }

  /** Hands a ByteString's own arrays to an OutputStream, which copies them (grpc-java's framer does). */
  private static final class StreamByteOutput extends ByteOutput {
    private final OutputStream target;

    StreamByteOutput(OutputStream target) {
      this.target = target;
    }

    @Override
    public void write(byte value) throws IOException {
      target.write(value);
    }

    @Override
    public void write(byte[] value, int offset, int length) throws IOException {
      target.write(value, offset, length);
    }

    @Override
    public void writeLazy(byte[] value, int offset, int length) throws IOException {
      target.write(value, offset, length);
    }

    @Override
    public void write(ByteBuffer value) throws IOException {
      if (value.hasArray()) {
        target.write(value.array(), value.arrayOffset() + value.position(), value.remaining());
        value.position(value.limit());
      } else {
        byte[] copy = new byte[value.remaining()];
        value.get(copy);
        target.write(copy);
      }
    }

    @Override
    public void writeLazy(ByteBuffer value) throws IOException {
      write(value);
    }
  }
}
