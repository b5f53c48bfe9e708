package io.streamkit.server.internal.web;

import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.base64.Base64;
import io.netty.handler.codec.base64.Base64Dialect;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * A call's response in gRPC-Web (grpc/grpc doc/PROTOCOL-WEB.md): HTTP 200, the messages as gRPC frames, and the
 * status as a trailers frame (flag 0x80) in the body, a block of {@code name: value\r\n} lines. In text mode
 * ({@code application/grpc-web-text}) every frame is written in base64 on its own, padding included, which the
 * protocol allows ("base64-encoded chunks with potential padding"). Event loop only.
 */
final class GrpcWeb<RespT> implements WebCall.Encoding<RespT> {
  private final MessageCodec<?, RespT> codec;
  private final String contentType;
  private final boolean text;
  private final boolean json;

  GrpcWeb(MessageCodec<?, RespT> codec, String contentType, boolean text, boolean json) {
    this.codec = codec;
    this.contentType = contentType;
    this.text = text;
    this.json = json;
  }

  @Override
  public void headers(WebResponse response, Metadata headers) {
    HttpHeaders out = new DefaultHttpHeaders();
    out.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    MetadataHeaders.addTo(out, headers, "");
    response.head(HttpResponseStatus.OK, out);
  }

  @Override
  public void message(WebResponse response, RespT message) {
    byte[] data = json ? MetadataHeaders.utf8(codec.json(message)) : codec.binary(message);
    write(response, Framing.frame(response.context().alloc(), 0, data));
  }

  @Override
  public void close(WebResponse response, Status status, Metadata trailers) {
    if (!response.headSent()) {
      headers(response, new Metadata());
    }
    write(response, Framing.frame(response.context().alloc(), Framing.GRPC_WEB_TRAILERS, trailerBlock(status, trailers)));
    response.end();
  }

  private void write(WebResponse response, ByteBuf frame) {
    if (text) {
      ByteBuf encoded = Base64.encode(frame, false, Base64Dialect.STANDARD);
      frame.release();
      frame = encoded;
    }
    response.content(frame);
  }

  static byte[] trailerBlock(Status status, Metadata trailers) {
    StringBuilder block = new StringBuilder(64);
    block.append("grpc-status:").append(status.getCode().value()).append("\r\n");
    if (status.getDescription() != null) {
      block.append("grpc-message:").append(percentEncode(status.getDescription())).append("\r\n");
    }
    if (trailers != null) {
      for (String key : trailers.keys()) {
        if (key.equals("grpc-status") || key.equals("grpc-message")) {
          continue;
        }
        for (String value : MetadataHeaders.values(trailers, key)) {
          block.append(key).append(':').append(value).append("\r\n");
        }
      }
    }
    return block.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** gRPC's grpc-message encoding: UTF-8, with bytes outside printable ASCII and '%' as %XX. */
  static String percentEncode(String message) {
    StringBuilder out = new StringBuilder(message.length());
    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c < 0x20 || c > 0x7e || c == '%') {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      } else {
        out.append((char) c);
      }
    }
    return out.toString();
  }

  /** An error before any call started, in this protocol's form. */
  static void fail(WebResponse response, String contentType, boolean text, Status status, Metadata trailers) {
    new GrpcWeb<>(null, contentType, text, false).close(response, status, trailers);
  }

  /** The decoded body of a text-mode request: base64, possibly in several padded chunks. */
  static ByteBuf decodeText(ByteBuf body, String protocol) throws io.grpc.StatusException {
    String s = body.toString(StandardCharsets.US_ASCII).replaceAll("\\s", "");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length() * 3 / 4);
    try {
      int start = 0;
      while (start < s.length()) {
        int end = start;
        // A chunk ends after its padding, or at the end of the body.
        while (end < s.length() && s.charAt(end) != '=') {
          end++;
        }
        while (end < s.length() && s.charAt(end) == '=') {
          end++;
        }
        out.writeBytes(java.util.Base64.getDecoder().decode(s.substring(start, end)));
        start = end;
      }
    } catch (IllegalArgumentException e) {
      throw Framing.invalid(protocol, "the body of an application/grpc-web-text request is not base64: " + e.getMessage());
    }
    return Unpooled.wrappedBuffer(out.toByteArray());
  }
}
