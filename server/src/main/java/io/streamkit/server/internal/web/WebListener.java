package io.streamkit.server.internal.web;

import io.grpc.ServerServiceDefinition;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.streamkit.server.HttpSettings;
import io.streamkit.server.ServerSettings;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.internal.metrics.WebMeters;
import io.streamkit.server.internal.transport.ConnectionGuard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP port: a Netty server channel on the gRPC server's own event loops ({@link ConnectionGuard}) that speaks
 * HTTP/1.1 and h2c (prior knowledge or Upgrade) in plaintext, and HTTP/2 or HTTP/1.1 by ALPN under TLS, and hands
 * every request to a {@link WebHandler}: per connection for HTTP/1.1, per stream for HTTP/2.
 *
 * <p>Lifecycle: created and owned by {@code StreamKitServer}; {@link #start()} binds, {@link #drain()} stops taking
 * connections and requests (open streams go on: the server's registry ends them when its grace period is over),
 * {@link #close()} closes every connection left. Both idempotent. Thread-safe.
 */
public final class WebListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebListener.class);

  private final HttpSettings settings;
  private final String host;
  private final ConnectionGuard loops;
  private final SslContext ssl;
  private final WebContext web;
  private final int maxConcurrentStreams;
  private final long handshakeTimeoutMillis;
  private final ChannelGroup channels = new DefaultChannelGroup("streamkit-http", GlobalEventExecutor.INSTANCE);
  private final AtomicInteger connections = new AtomicInteger();
  private volatile Channel server;

  /**
   * @param services the server's service definitions, with their interceptors, as the gRPC port serves them
   * @param broker the server's broker, already wrapped in {@link #directory(Broker, HttpSettings)} when the console
   *     is on
   * @param ssl the HTTP port's TLS context (ALPN h2 and http/1.1), or null for plaintext
   */
  public WebListener(ServerSettings server, ConnectionGuard loops, SslContext ssl, List<ServerServiceDefinition> services,
      Broker broker, WebMeters meters) {
    this.settings = server.http();
    this.host = server.host();
    this.loops = loops;
    this.ssl = ssl;
    this.maxConcurrentStreams = server.connection().maxConcurrentStreams();
    this.handshakeTimeoutMillis = server.connection().handshakeTimeout().toMillis();
    TopicDirectory directory = broker instanceof TopicDirectory d ? d : null;
    this.web = new WebContext(settings, new WebServices(services), meters, directory,
        settings.console() ? new ConsoleFiles() : null, server.maxInboundMessageSize(),
        server.connection().maxInboundMetadataSize(), new AtomicBoolean());
  }

  /** {@code broker} wrapped to keep what the console shows, when the console is on; else {@code broker} itself. */
  public static Broker directory(Broker broker, HttpSettings settings) {
    return settings.enabled() && settings.console() ? new TopicDirectory(broker) : broker;
  }

  /**
   * Binds the port.
   *
   * @throws UncheckedIOException naming the address when it cannot be bound
   */
  public void start() {
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(loops.acceptLoop(), loops.connectionLoops())
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            accept(ch);
          }
        });
    try {
      server = bootstrap.bind(new InetSocketAddress(host, settings.port())).sync().channel();
    } catch (Exception e) {
      throw new UncheckedIOException("cannot serve HTTP on " + host + ":" + settings.port() + " (--http-port): "
          + e.getMessage(), e instanceof IOException io ? io : new IOException(e));
    }
    log.info("HTTP port (Connect, gRPC-Web, Server-Sent Events{}) listening on {}{}",
        settings.console() ? ", console at /" : "", server.localAddress(), ssl == null ? "" : " with TLS");
  }

  /** The bound port, or -1 before {@link #start()}. */
  public int port() {
    Channel s = server;
    return s == null ? -1 : ((InetSocketAddress) s.localAddress()).getPort();
  }

  /** Stops accepting connections; requests on open connections get 503 UNAVAILABLE. Open streams go on. */
  public void drain() {
    web.draining().set(true);
    Channel s = server;
    if (s != null) {
      s.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  /** Closes every connection still open. */
  @Override
  public void close() {
    drain();
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private void accept(SocketChannel ch) {
    if (connections.incrementAndGet() > settings.maxConnections() || web.draining().get()) {
      connections.decrementAndGet();
      web.meters().connectionRefused();
      log.debug("closing HTTP connection from {}: {} connections are open (--http-max-connections)",
          ch.remoteAddress(), settings.maxConnections());
      ch.close();
      return;
    }
    channels.add(ch);
    web.meters().connectionOpened();
    ch.closeFuture().addListener(f -> {
      connections.decrementAndGet();
      web.meters().connectionClosed();
    });
    ChannelPipeline p = ch.pipeline();
    if (!settings.idleTimeout().isZero()) {
      p.addLast(new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
      p.addLast(new IdleClose());
    }
    if (ssl != null) {
      SslHandler tls = ssl.newHandler(ch.alloc());
      tls.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
      p.addLast(tls);
      p.addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
          if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            ctx.pipeline().addLast(http2Codec(), new Http2MultiplexHandler(streamInitializer()));
          } else {
            ctx.pipeline().addLast(http1Codec(), new HttpServerExpectContinueHandler(), new WebHandler(web, false));
          }
        }
      });
      return;
    }
    HttpServerCodec codec = http1Codec();
    HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(codec, protocol ->
        AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
            ? new Http2ServerUpgradeCodec(http2Codec(), new Http2MultiplexHandler(streamInitializer()))
            : null, web.maxBodyBytes());
    p.addLast(new CleartextHttp2ServerUpgradeHandler(codec, upgrade, new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel c) {
        c.pipeline().addLast(http2Codec(), new Http2MultiplexHandler(streamInitializer()));
      }
    }));
    p.addLast(new Http1Only(new WebHandler(web, false)));
  }

  private HttpServerCodec http1Codec() {
    return new HttpServerCodec(new HttpDecoderConfig()
        .setMaxInitialLineLength(Math.max(4096, web.maxHeaderBytes()))
        .setMaxHeaderSize(web.maxHeaderBytes())
        .setMaxChunkSize(64 * 1024));
  }

  private Http2FrameCodec http2Codec() {
    return Http2FrameCodecBuilder.forServer()
        .initialSettings(Http2Settings.defaultSettings()
            .maxConcurrentStreams(maxConcurrentStreams)
            .maxHeaderListSize(web.maxHeaderBytes()))
        .build();
  }

  private ChannelHandler streamInitializer() {
    return new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel stream) {
        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new WebHandler(web, true));
      }
    };
  }

  /**
   * The HTTP/1.1 handlers of a plaintext connection (the answer to {@code Expect: 100-continue}, which curl sends
   * before a large body, and the {@link WebHandler}), which leave the pipeline when the connection turns to HTTP/2
   * (prior knowledge or Upgrade): from then on requests arrive on stream channels.
   */
  private static final class Http1Only extends ChannelInboundHandlerAdapter {
    private final WebHandler http1;
    private final HttpServerExpectContinueHandler expectContinue = new HttpServerExpectContinueHandler();

    Http1Only(WebHandler http1) {
      this.http1 = http1;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.pipeline().addAfter(ctx.name(), null, http1);
      ctx.pipeline().addAfter(ctx.name(), null, expectContinue);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent
          || evt instanceof HttpServerUpgradeHandler.UpgradeEvent) {
        ctx.pipeline().remove(expectContinue);
        ctx.pipeline().remove(http1);
        ctx.pipeline().remove(this);
      }
      ctx.fireUserEventTriggered(evt);
    }
  }

  /** Closes a connection that stayed idle (no read or write) for the idle timeout with no request in progress. */
  private static final class IdleClose extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        WebHandler http1 = ctx.pipeline().get(WebHandler.class);
        Http2FrameCodec http2 = ctx.pipeline().get(Http2FrameCodec.class);
        boolean inUse = http1 != null ? http1.busy()
            : http2 != null && http2.connection().numActiveStreams() > 0;
        if (!inUse) {
          ctx.close();
        }
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }
  }
}
