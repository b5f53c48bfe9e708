package io.streamkit.server.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Settings;
import java.time.Duration;

/**
 * Wraps one connection's HTTP/2 frame listener (grpc-java's) and counts the frames nothing else limits: SETTINGS,
 * PRIORITY and frames of unknown type. Past {@code max} within one window the connection fails with
 * {@code ENHANCE_YOUR_CALM}: Netty sends GOAWAY with this class's message as debug data and closes it.
 *
 * <p>Netty has already applied (and acknowledged) a SETTINGS frame when the listener hears of it, so the frame
 * that crosses the limit is the last one served. Threading: called on the connection's event loop only.
 */
final class ControlFrameLimit extends Http2FrameListenerDecorator {
  private final int max;
  private final long windowNanos;
  private long windowStart = System.nanoTime();
  private int inWindow;

  ControlFrameLimit(Http2FrameListener grpc, int max, Duration window) {
    super(grpc);
    this.max = max;
    this.windowNanos = window.toNanos();
  }

  @Override
  public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) throws Http2Exception {
    count("SETTINGS");
    super.onSettingsRead(ctx, settings);
  }

  @Override
  public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
      boolean exclusive) throws Http2Exception {
    count("PRIORITY");
    super.onPriorityRead(ctx, streamId, streamDependency, weight, exclusive);
  }

  @Override
  public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
      ByteBuf payload) throws Http2Exception {
    count("unknown-type");
    super.onUnknownFrame(ctx, frameType, streamId, flags, payload);
  }

  private void count(String frame) throws Http2Exception {
    long now = System.nanoTime();
    if (now - windowStart >= windowNanos) {
      windowStart = now;
      inWindow = 0;
    }
    if (++inWindow > max) {
      throw Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM,
          "too_many_control_frames: more than %d SETTINGS, PRIORITY and unknown-type frames within %d ms (last: %s;"
              + " server option --max-control-frames-per-window)", max, windowNanos / 1_000_000, frame);
    }
  }
}
