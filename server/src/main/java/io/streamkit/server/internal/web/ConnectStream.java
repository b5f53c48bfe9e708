package io.streamkit.server.internal.web;

import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A server-streaming call's response in the Connect protocol: HTTP 200, each message in an envelope, and the
 * end-of-stream envelope (flag 0x02) with a JSON object holding the error, if any, and the trailers as
 * {@code metadata}. Messages are gzipped (flag 0x01) when the client sent {@code connect-accept-encoding: gzip} and
 * they are large enough to gain. Event loop only.
 */
final class ConnectStream<RespT> implements WebCall.Encoding<RespT> {
  private final MessageCodec<?, RespT> codec;
  private final boolean json;
  private final boolean gzip;

  ConnectStream(MessageCodec<?, RespT> codec, boolean json, boolean acceptsGzip) {
    this.codec = codec;
    this.json = json;
    this.gzip = acceptsGzip;
  }

  @Override
  public void headers(WebResponse response, Metadata headers) {
    HttpHeaders out = new DefaultHttpHeaders();
    out.set(HttpHeaderNames.CONTENT_TYPE, json ? "application/connect+json" : "application/connect+proto");
    if (gzip) {
      out.set("connect-content-encoding", "gzip");
    }
    MetadataHeaders.addTo(out, headers, "");
    response.head(HttpResponseStatus.OK, out);
  }

  @Override
  public void message(WebResponse response, RespT message) {
    byte[] data = json ? MetadataHeaders.utf8(codec.json(message)) : codec.binary(message);
    int flags = 0;
    if (gzip && data.length >= Framing.COMPRESS_MIN_BYTES) {
      data = Framing.gzip(data);
      flags = Framing.COMPRESSED;
    }
    ByteBufAllocator alloc = response.context().alloc();
    response.content(Framing.frame(alloc, flags, data));
  }

  @Override
  public void close(WebResponse response, Status status, Metadata trailers) {
    if (!response.headSent()) {
      headers(response, new Metadata());
    }
    response.content(Framing.frame(response.context().alloc(), Framing.CONNECT_END_STREAM,
        MetadataHeaders.utf8(endStream(status, trailers))));
    response.end();
  }

  static String endStream(Status status, Metadata trailers) {
    Json json = new Json().begin();
    if (!status.isOk()) {
      json.key("error");
      WebErrors.write(json, status, trailers);
    }
    json.key("metadata");
    MetadataHeaders.writeJson(json, trailers);
    return json.end().toString();
  }
}
