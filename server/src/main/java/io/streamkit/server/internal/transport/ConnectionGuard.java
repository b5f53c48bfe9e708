package io.streamkit.server.internal.transport;

import io.grpc.netty.NettyServerBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.streamkit.server.ConnectionSettings;
import io.streamkit.server.StreamKitServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's Netty event loops (the connection loops return to their sockets every few milliseconds under load:
 * {@link ConnectionLoops}), plus a watch on every accepted connection, which
 * <ul>
 *   <li>limits the HTTP/2 control frames nothing else limits ({@link ControlFrameLimit});
 *   <li>refuses, as they are accepted, connections from addresses recently cut off for abuse ({@link AbuseBans},
 *       when {@link ConnectionSettings#abuseBan()} is on);
 *   <li>closes a connection once its HTTP/2 close is stuck: it has sent GOAWAY, has no open stream left, and is
 *       still open a full check period later.
 * </ul>
 *
 * <p>Why the last: when a keepalive ping goes unanswered, grpc-java (1.85) sends GOAWAY, ends every stream of the
 * connection (the server calls are cancelled, RST_STREAM is written) and then waits, with no time limit (its
 * HTTP/2 handler's graceful-shutdown timeout is -1), for those writes to complete before it closes the socket.
 * The RST_STREAM frames are written from a timer and never flushed, and to a peer that vanished behind NAT no
 * write completes at all, so the socket, its buffers and the HTTP/2 state stayed for as long as the kernel kept
 * the TCP connection: for ever when the peer still acknowledges TCP. A connection in that state has nothing left
 * to deliver but control frames to a peer that does not read them, so it is closed from the head of its pipeline,
 * which bypasses the graceful close and discards what could not be written. After GOAWAY no new stream can start
 * (grpc-java's two-GOAWAY drain aside, whose window ends on the peer's PING answer), so "no open stream at two
 * checks in a row" means none for a whole period.
 *
 * <p>Threading: each connection's watch runs on that connection's event loop only. Created and closed by
 * {@link StreamKitServer}; {@link #close()} (idempotent) shuts the event loops down and must come after the gRPC
 * server terminated.
 */
public final class ConnectionGuard implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);

  /** How long a connection may stay stuck after GOAWAY (the keepalive timeout); it is closed within twice that. */
  private final Duration period;
  private final ConnectionSettings settings;
  private final AbuseBans bans;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;

  public ConnectionGuard(ConnectionSettings settings) {
    this.settings = settings;
    this.period = settings.keepAliveTimeout();
    this.bans = new AbuseBans(settings.abuseBan());
    // What grpc-java would use by default (NIO; one acceptor thread; Netty's default of 2 x cores workers), owned
    // here because a server channel of our own needs event loops of our own.
    this.boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("streamkit-netty-accept", true),
        NioIoHandler.newFactory());
    this.workers = new ConnectionLoops(0, new DefaultThreadFactory("streamkit-netty-worker", true),
        NioIoHandler.newFactory());
  }

  /** Makes {@code builder} accept connections through this guard's event loops and watch each one. */
  NettyServerBuilder configure(NettyServerBuilder builder) {
    return builder.bossEventLoopGroup(boss).workerEventLoopGroup(workers).channelFactory(() -> {
      NioServerSocketChannel server = new NioServerSocketChannel();
      // First in the listening pipeline, so it sees each accepted channel before Netty's acceptor sets it up.
      server.pipeline().addLast(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          Channel connection = (Channel) msg;
          if (bans.refuse(connection, ctx.channel().eventLoop())) {
            return; // never registered: no event loop, TLS or HTTP/2 work
          }
          connection.pipeline().addFirst(new Watch());
          ctx.fireChannelRead(msg);
        }
      });
      return server;
    });
  }

  /** The acceptor loop, shared with the HTTP port's listener. */
  public EventLoopGroup acceptLoop() {
    return boss;
  }

  /**
   * The connection loops, shared with the HTTP port's listener: its connections are served on the same loops as
   * gRPC connections, so a broker delivers to a Server-Sent Events stream as it does to a Subscribe stream.
   */
  public EventLoopGroup connectionLoops() {
    return workers;
  }

  @Override
  public void close() {
    boss.shutdownGracefully(0, 5, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 5, TimeUnit.SECONDS);
    boss.terminationFuture().awaitUninterruptibly(6, TimeUnit.SECONDS);
    workers.terminationFuture().awaitUninterruptibly(6, TimeUnit.SECONDS);
    bans.close(); // after the acceptor stopped: nothing is held after this, and the scheduled closes are gone
  }

  /**
   * At the head of one connection's pipeline until it finds the HTTP/2 handler, on the first read or write after
   * that handler was added (after the TLS handshake, with TLS; the handler writes its SETTINGS frame as it is
   * added, so before it reads any frame). Then it hooks in (frame listener, connection listener) and leaves the
   * pipeline, so that no read or write of the connection's life passes through it.
   */
  private final class Watch extends ChannelDuplexHandler {
    private Channel channel;
    private Http2Connection connection;
    private ScheduledFuture<?> checks;
    private boolean idleAtLastCheck;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.channel = ctx.channel();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      boolean attached = attach(ctx);
      ctx.write(msg, promise);
      if (attached) {
        ctx.pipeline().remove(this);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      boolean attached = attach(ctx);
      ctx.fireChannelRead(msg);
      if (attached) {
        ctx.pipeline().remove(this);
      }
    }

    /** Hooks into the connection's HTTP/2 handler if it is there yet; true if it did. */
    private boolean attach(ChannelHandlerContext ctx) {
      Http2ConnectionHandler http2 = ctx.pipeline().get(Http2ConnectionHandler.class);
      if (http2 == null) {
        return false;
      }
      connection = http2.connection();
      if (settings.maxControlFramesPerWindow() > 0) {
        Http2ConnectionDecoder decoder = http2.decoder();
        decoder.frameListener(new ControlFrameLimit(
            decoder.frameListener(), settings.maxControlFramesPerWindow(), settings.controlFrameWindow()));
      }
      connection.addListener(new Http2ConnectionAdapter() {
        @Override
        public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
          if (errorCode != Http2Error.NO_ERROR.code() && errorCode != Http2Error.INTERNAL_ERROR.code()) {
            Http2Error error = Http2Error.valueOf(errorCode);
            bans.offended(channel, error == null ? Long.toString(errorCode) : error.name(),
                debugData.toString(StandardCharsets.UTF_8));
          }
          startChecks();
        }
      });
      return true;
    }

    private void startChecks() {
      if (checks != null || !channel.isOpen()) {
        return;
      }
      long nanos = period.toNanos();
      checks = channel.eventLoop().scheduleAtFixedRate(this::check, nanos, nanos, TimeUnit.NANOSECONDS);
      channel.closeFuture().addListener(f -> checks.cancel(false));
    }

    private void check() {
      boolean idle = connection.numActiveStreams() == 0;
      if (idle && idleAtLastCheck) {
        checks.cancel(false);
        log.debug("closing {}: GOAWAY sent, no open stream, and still open after {} ms (peer not reading)",
            channel, period.toMillis());
        // What a close from the head of the pipeline does: past the HTTP/2 handler's graceful close, so the
        // socket closes at once and unwritten frames are dropped.
        channel.unsafe().close(channel.newPromise());
        return;
      }
      idleAtLastCheck = idle;
    }
  }
}
