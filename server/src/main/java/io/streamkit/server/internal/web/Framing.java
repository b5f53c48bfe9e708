package io.streamkit.server.internal.web;

import io.grpc.Status;
import io.grpc.StatusException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.streamkit.api.v1.ErrorReason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The length-prefixed frames that Connect streaming (its "envelopes") and gRPC-Web share: one flag byte, a 4-byte
 * big-endian length, the data; and gzip, bounded on the way in. Stateless.
 */
final class Framing {
  static final int COMPRESSED = 0x01;
  /** Connect: the end-of-stream message. */
  static final int CONNECT_END_STREAM = 0x02;
  /** gRPC-Web: the trailers frame. */
  static final int GRPC_WEB_TRAILERS = 0x80;
  /** Messages at least this large are compressed when the client accepts gzip; smaller ones gain nothing. */
  static final int COMPRESS_MIN_BYTES = 1024;

  private Framing() {}

  static ByteBuf frame(ByteBufAllocator alloc, int flags, byte[] data) {
    ByteBuf out = alloc.buffer(5 + data.length);
    out.writeByte(flags).writeInt(data.length).writeBytes(data);
    return out;
  }

  /** One frame's flags and data. */
  record Frame(int flags, byte[] data) {}

  /**
   * The single frame that makes up a request body of a unary or server-streaming call.
   *
   * @throws StatusException INVALID_ARGUMENT (REQUEST_FRAMING_INVALID) naming what is wrong, or RESOURCE_EXHAUSTED
   *     (REQUEST_TOO_LARGE) past {@code maxBytes}
   */
  static Frame single(ByteBuf body, String protocol, int maxBytes) throws StatusException {
    if (body.readableBytes() < 5) {
      throw invalid(protocol, "the body holds " + body.readableBytes() + " bytes, less than one frame header "
          + "(expected: 1 flag byte, a 4-byte length, then the message)");
    }
    int flags = body.readUnsignedByte();
    long length = body.readUnsignedInt();
    if (length > maxBytes) {
      throw tooLarge(length, maxBytes);
    }
    if (length > body.readableBytes()) {
      throw invalid(protocol, "the frame announces " + length + " bytes but the body holds " + body.readableBytes()
          + " after its header (expected: the whole message)");
    }
    byte[] data = new byte[(int) length];
    body.readBytes(data);
    if (body.isReadable()) {
      throw invalid(protocol, body.readableBytes() + " bytes follow the request message (expected: exactly one "
          + "message for a unary or server-streaming method)");
    }
    if ((flags & ~COMPRESSED) != 0) {
      throw invalid(protocol, "the frame's flags are 0x" + Integer.toHexString(flags) + " (expected: 0x00, or 0x01 "
          + "for a compressed message)");
    }
    return new Frame(flags, data);
  }

  static StatusException invalid(String protocol, String problem) {
    return WebErrors.status(Status.Code.INVALID_ARGUMENT, "malformed " + protocol + " request: " + problem,
        ErrorReason.REQUEST_FRAMING_INVALID, Map.of("protocol", protocol)).asException();
  }

  static StatusException tooLarge(long bytes, int maxBytes) {
    return WebErrors.status(Status.Code.RESOURCE_EXHAUSTED, "the request message is " + (bytes < 0 ? "over "
            + maxBytes : bytes) + " bytes, more than the server's limit of " + maxBytes
            + " bytes (--max-inbound-message-size)",
        ErrorReason.REQUEST_TOO_LARGE, Map.of("limit_bytes", Integer.toString(maxBytes))).asException();
  }

  static StatusException unsupportedEncoding(String encoding) {
    return WebErrors.status(Status.Code.UNIMPLEMENTED, "the request is compressed with '" + encoding
            + "', which this server does not read (expected: gzip or identity)",
        ErrorReason.ENCODING_UNSUPPORTED, Map.of("encoding", encoding)).asException();
  }

  /** Decompresses {@code data}, never past {@code maxBytes}. */
  static byte[] gunzip(byte[] data, int maxBytes, String protocol) throws StatusException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
      byte[] out = in.readNBytes(maxBytes);
      if (in.read() != -1) {
        throw tooLarge(-1, maxBytes);
      }
      return out;
    } catch (IOException e) {
      throw invalid(protocol, "the message is flagged gzip but does not decompress: " + e.getMessage());
    }
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 32);
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new IllegalStateException("gzip into memory failed", e);
    }
    return out.toByteArray();
  }
}
