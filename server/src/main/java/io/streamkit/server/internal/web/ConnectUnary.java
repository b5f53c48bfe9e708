package io.streamkit.server.internal.web;

import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A unary call's response in the Connect protocol: the message alone as the body with HTTP 200, or an error as the
 * Connect JSON error body with the code's HTTP status. Response metadata becomes headers, trailers become
 * {@code trailer-} headers. The body is gzipped when the client accepts gzip and it is large enough to gain.
 * Event loop only.
 */
final class ConnectUnary<RespT> implements WebCall.Encoding<RespT> {
  private final MessageCodec<?, RespT> codec;
  private final boolean json;
  private final boolean acceptsGzip;
  private Metadata headers;
  private byte[] body;

  ConnectUnary(MessageCodec<?, RespT> codec, boolean json, boolean acceptsGzip) {
    this.codec = codec;
    this.json = json;
    this.acceptsGzip = acceptsGzip;
  }

  @Override
  public void headers(WebResponse response, Metadata headers) {
    this.headers = headers;
  }

  @Override
  public void message(WebResponse response, RespT message) {
    if (body == null) {
      body = json ? MetadataHeaders.utf8(codec.json(message)) : codec.binary(message);
    }
  }

  @Override
  public void close(WebResponse response, Status status, Metadata trailers) {
    HttpHeaders out = new DefaultHttpHeaders();
    MetadataHeaders.addTo(out, headers, "");
    MetadataHeaders.addTo(out, trailers, "trailer-");
    if (status.isOk() && body == null) {
      status = Status.INTERNAL.withDescription("the unary method completed without a response message");
    }
    if (!status.isOk()) {
      response.error(WebErrors.httpStatus(status.getCode()), WebErrors.json(status, trailers), out);
      return;
    }
    out.set(HttpHeaderNames.CONTENT_TYPE, json ? "application/json" : "application/proto");
    byte[] bytes = body;
    if (acceptsGzip && bytes.length >= Framing.COMPRESS_MIN_BYTES) {
      bytes = Framing.gzip(bytes);
      out.set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
    }
    response.full(HttpResponseStatus.OK, out, Unpooled.wrappedBuffer(bytes));
  }

  /** An error before any call started (bad framing, unknown method...), in this protocol's form. */
  static void fail(WebResponse response, Status status, Metadata trailers) {
    response.error(WebErrors.httpStatus(status.getCode()), WebErrors.json(status, trailers), new DefaultHttpHeaders());
  }
}
