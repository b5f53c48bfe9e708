package io.streamkit.server.internal.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * The response to one HTTP request, as Netty HTTP objects on the request's channel (the connection for HTTP/1.1, the
 * stream's child channel for HTTP/2, where Netty turns them into frames). A response is either whole
 * ({@link #full}) or streamed ({@link #head}, {@link #content}..., {@link #end}). Writes are not flushed one by one:
 * {@link #flushSoon()} coalesces the writes of one event-loop task into one flush.
 *
 * <p>Confined to the channel's event loop.
 */
final class WebResponse {
  private final ChannelHandlerContext ctx;
  private final HttpHeaders common;
  private final boolean keepAlive;
  private final Runnable ended;
  private boolean headSent;
  private boolean done;
  private boolean flushScheduled;

  /**
   * @param common headers every response to this request carries (CORS)
   * @param keepAlive false to close an HTTP/1.1 connection after this response
   * @param ended told once the last byte is written, so the channel can take the next request
   */
  WebResponse(ChannelHandlerContext ctx, HttpHeaders common, boolean keepAlive, Runnable ended) {
    this.ctx = ctx;
    this.common = common;
    this.keepAlive = keepAlive;
    this.ended = ended;
  }

  boolean headSent() {
    return headSent;
  }

  boolean done() {
    return done;
  }

  ChannelHandlerContext context() {
    return ctx;
  }

  /** The head of a streamed response; the body follows in chunks. */
  void head(HttpResponseStatus status, HttpHeaders headers) {
    if (headSent || done) {
      return;
    }
    headSent = true;
    DefaultHttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    response.headers().add(common).add(headers);
    HttpUtil.setTransferEncodingChunked(response, true);
    if (!keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ctx.write(response, ctx.voidPromise());
  }

  void content(ByteBuf chunk) {
    if (done || !headSent) {
      chunk.release();
      return;
    }
    ctx.write(new DefaultHttpContent(chunk), ctx.voidPromise());
  }

  /** Ends a streamed response and flushes. */
  void end() {
    if (done) {
      return;
    }
    done = true;
    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(closeUnlessKeptAlive());
    ended.run();
  }

  /** A whole response with a Content-Length; flushed. */
  void full(HttpResponseStatus status, HttpHeaders headers, ByteBuf body) {
    if (done || headSent) {
      body.release();
      if (!done) {
        end();
      }
      return;
    }
    headSent = true;
    done = true;
    DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    response.headers().add(common).add(headers);
    HttpUtil.setContentLength(response, body.readableBytes());
    if (!keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ctx.writeAndFlush(response).addListener(closeUnlessKeptAlive());
    ended.run();
  }

  /** A whole error response with the JSON error body every error of the HTTP port has. */
  void error(HttpResponseStatus status, String json, HttpHeaders extra) {
    HttpHeaders headers = extra.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    full(status, headers, Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
  }

  /** Flushes at the end of the current event-loop task, once for all writes made in it. */
  void flushSoon() {
    if (flushScheduled || done) {
      return;
    }
    flushScheduled = true;
    ctx.executor().execute(() -> {
      flushScheduled = false;
      ctx.flush();
    });
  }

  private ChannelFutureListener closeUnlessKeptAlive() {
    return keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE;
  }
}
