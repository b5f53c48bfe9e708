package io.streamkit.server.internal.web;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.internal.metrics.WebMeters.Protocol;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the HTTP requests of one channel (an HTTP/1.1 connection, one request at a time, or one HTTP/2 stream) and
 * answers each: CORS preflight, the console, {@code /v1/topics}, Server-Sent Events at {@code /v1/events}, and the
 * server's unary and server-streaming methods over Connect and gRPC-Web at {@code /<service>/<method>}. Request bodies
 * are read whole, up to the message size limit, before the call starts (these methods take exactly one request).
 *
 * <p>Event loop only. Never logs a request's query string (it may hold an {@code access_token}).
 */
final class WebHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(WebHandler.class);
  private static final Pattern CONNECT_TIMEOUT = Pattern.compile("[0-9]{1,10}");
  private static final Pattern GRPC_TIMEOUT = Pattern.compile("([0-9]{1,8})([HMSmun])");
  private static final String EXPOSED = "grpc-status, grpc-message, grpc-status-details-bin, connect-content-encoding,"
      + " content-encoding";

  private final WebContext web;
  private final boolean http2;

  // The request being read, and the response in progress.
  private HttpRequest request;
  private Protocol protocol;
  private CompositeByteBuf body;
  private boolean reading;
  private boolean discarding;
  private boolean busy;
  private WebResponse response;
  private WebCall<?, ?> call;
  private HttpHeaders common;

  WebHandler(WebContext web, boolean http2) {
    this.web = web;
    this.http2 = http2;
  }

  /** Whether a request is being read or answered (the idle timeout spares the connection then). */
  boolean busy() {
    return busy || reading;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest r) {
        onRequest(ctx, r);
      }
      if (msg instanceof HttpContent content) {
        onContent(ctx, content);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onRequest(ChannelHandlerContext ctx, HttpRequest r) {
    if (busy) {
      // HTTP/1.1 pipelining: browsers do not use it, and answering out of turn would mix two responses.
      log.debug("closing {}: a request arrived before the previous response ended (pipelining is not served)",
          ctx.channel());
      ctx.close();
      return;
    }
    request = r;
    reading = true;
    busy = true;
    discarding = false;
    call = null;
    String path = new QueryStringDecoder(r.uri()).path();
    protocol = protocolOf(r, path);
    web.meters().request(protocol);
    boolean keepAlive = http2 || (HttpUtil.isKeepAlive(r) && !web.draining().get());
    common = new DefaultHttpHeaders();
    response = new WebResponse(ctx, common, keepAlive, this::responseEnded);
    if (r.decoderResult().isFailure()) {
      Throwable cause = r.decoderResult().cause();
      boolean tooLong = cause instanceof TooLongFrameException;
      discarding = true;
      // The decoder discards the rest of the connection's bytes: answer, then close.
      response = new WebResponse(ctx, common, http2, this::responseEnded);
      respondError(tooLong ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST,
          Status.INVALID_ARGUMENT.withDescription(tooLong
              ? "the request line or headers are larger than the server's limit of " + web.maxHeaderBytes()
                  + " bytes (--max-inbound-metadata-size)"
              : "the request is not valid HTTP: " + cause.getMessage()));
      return;
    }
    if (!checkOrigin(ctx, r)) {
      return;
    }
    if (web.draining().get()) {
      discarding = true;
      respondError(HttpResponseStatus.SERVICE_UNAVAILABLE, WebErrors.status(Status.Code.UNAVAILABLE,
          "server is shutting down; reconnect to continue", ErrorReason.SERVER_SHUTTING_DOWN, Map.of()));
      return;
    }
    boolean rpc = protocol == Protocol.CONNECT || protocol == Protocol.GRPC_WEB
        || (protocol == Protocol.OTHER && path.length() > 1 && web.services().method(path.substring(1)) != null);
    if (r.method().equals(HttpMethod.POST) && rpc) {
      long length = HttpUtil.getContentLength(r, -1L);
      if (length > web.maxBodyBytes()) {
        discarding = true;
        failCall(Framing.tooLarge(length, web.maxMessageBytes()).getStatus(), true);
        return;
      }
      body = ctx.alloc().compositeBuffer(64);
      return; // the call starts once the body is read
    }
    discarding = true; // GET and friends: any body is ignored
    route(ctx, r, path);
  }

  private void onContent(ChannelHandlerContext ctx, HttpContent content) {
    if (!reading) {
      return;
    }
    boolean last = content instanceof LastHttpContent;
    if (!discarding && body != null) {
      if (body.readableBytes() + content.content().readableBytes() > web.maxBodyBytes()) {
        discarding = true;
        releaseBody();
        failCall(Framing.tooLarge(-1, web.maxMessageBytes()).getStatus(), true);
      } else {
        body.addComponent(true, content.content().retain());
      }
    }
    if (last) {
      reading = false;
      if (!discarding && body != null) {
        ByteBuf whole = body;
        body = null;
        try {
          startCall(ctx, whole);
        } finally {
          whole.release();
        }
      }
    }
  }

  private void responseEnded() {
    busy = false;
    if (!http2 && reading && !discarding) {
      discarding = true; // answered before its body was read: skip the rest of it
      releaseBody();
    }
  }

  // ---- routing ------------------------------------------------------------------------------------------------

  private static Protocol protocolOf(HttpRequest r, String path) {
    if (path.equals("/v1/events")) {
      return Protocol.SSE;
    }
    if (path.equals("/") || path.equals("/index.html") || path.startsWith("/console/") || path.equals("/v1/topics")) {
      return Protocol.CONSOLE;
    }
    String type = contentType(r);
    if (type.startsWith("application/grpc-web")) {
      return Protocol.GRPC_WEB;
    }
    if (type.equals("application/proto") || type.equals("application/json") || type.startsWith("application/connect+")) {
      return Protocol.CONNECT;
    }
    return Protocol.OTHER;
  }

  private static String contentType(HttpRequest r) {
    String type = r.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
    int semi = type.indexOf(';');
    return (semi < 0 ? type : type.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }

  private void route(ChannelHandlerContext ctx, HttpRequest r, String path) {
    HttpMethod method = r.method();
    if (method.equals(HttpMethod.OPTIONS)) {
      HttpHeaders allow = new DefaultHttpHeaders().set(HttpHeaderNames.ALLOW, "GET, POST, OPTIONS");
      response.full(HttpResponseStatus.NO_CONTENT, allow, Unpooled.EMPTY_BUFFER);
      return;
    }
    boolean get = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
    if (path.equals("/v1/events")) {
      if (!get) {
        notAllowed("GET");
        return;
      }
      startEvents(ctx, r);
      return;
    }
    if (web.console() != null && get) {
      if (path.equals("/v1/topics")) {
        HttpHeaders headers = new DefaultHttpHeaders().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
            .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        response.full(HttpResponseStatus.OK, headers,
            Unpooled.copiedBuffer(web.directory().json(), StandardCharsets.UTF_8));
        return;
      }
      ConsoleFiles.File file = web.console().get(path);
      if (file != null) {
        HttpHeaders headers = new DefaultHttpHeaders().set(HttpHeaderNames.CONTENT_TYPE, file.contentType())
            .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
            .set("x-content-type-options", "nosniff")
            .set("content-security-policy", "default-src 'self'; frame-ancestors 'none'");
        response.full(HttpResponseStatus.OK, headers,
            method.equals(HttpMethod.HEAD) ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(file.bytes()));
        return;
      }
    }
    ServerMethodDefinition<?, ?> rpc = web.services().method(path.length() > 1 ? path.substring(1) : "");
    if (rpc != null) {
      notAllowed("POST");
      return;
    }
    respondError(HttpResponseStatus.NOT_FOUND, WebErrors.status(Status.Code.UNIMPLEMENTED,
        "no endpoint at " + r.method() + " " + path + " (expected: POST /<service>/<method> for Connect and gRPC-Web,"
            + " GET /v1/events?topic=... for Server-Sent Events" + (web.console() != null ? ", GET / for the console"
            : "") + "; see docs/WEB.md)", ErrorReason.PATH_UNKNOWN, Map.of("path", path)));
  }

  private void notAllowed(String allowed) {
    respondError(HttpResponseStatus.METHOD_NOT_ALLOWED, Status.UNIMPLEMENTED.withDescription(
        request.method() + " is not served at this path (expected: " + allowed + ")"),
        new DefaultHttpHeaders().set(HttpHeaderNames.ALLOW, allowed));
  }

  // ---- CORS ---------------------------------------------------------------------------------------------------

  /** Applies the origin rules; false if the request was answered (preflight, or an origin that is not allowed). */
  private boolean checkOrigin(ChannelHandlerContext ctx, HttpRequest r) {
    String origin = r.headers().get(HttpHeaderNames.ORIGIN);
    if (origin == null) {
      return true; // not a browser's cross-origin request: nothing to check
    }
    String self = (secure(ctx.channel()) ? "https://" : "http://") + r.headers().get(HttpHeaderNames.HOST, "");
    boolean sameOrigin = origin.equalsIgnoreCase(self);
    List<String> allowed = web.settings().corsOrigins();
    boolean listed = allowed.contains("*") || allowed.contains(origin.toLowerCase(Locale.ROOT));
    if (!sameOrigin && !listed) {
      discarding = true;
      respondError(HttpResponseStatus.FORBIDDEN, Status.PERMISSION_DENIED.withDescription("origin '" + origin
          + "' may not call this server from a browser (expected: an origin listed in --http-cors-origins)"));
      return false;
    }
    if (!sameOrigin) {
      common.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin)
          .set(HttpHeaderNames.VARY, "Origin")
          .set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
    }
    if (r.method().equals(HttpMethod.OPTIONS) && r.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
      discarding = true;
      HttpHeaders headers = new DefaultHttpHeaders()
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS")
          .set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "7200");
      String asked = r.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
      if (asked != null) {
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, asked);
      }
      response.full(HttpResponseStatus.NO_CONTENT, headers, Unpooled.EMPTY_BUFFER);
      return false;
    }
    return true;
  }

  private static boolean secure(Channel channel) {
    Channel connection = channel.parent() != null ? channel.parent() : channel;
    return connection.pipeline().get(SslHandler.class) != null;
  }

  // ---- calls --------------------------------------------------------------------------------------------------

  private void startCall(ChannelHandlerContext ctx, ByteBuf whole) {
    String path = new QueryStringDecoder(request.uri()).path();
    String type = contentType(request);
    ServerMethodDefinition<?, ?> def = web.services().method(path.substring(1));
    if (protocol == Protocol.OTHER) {
      respondError(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, WebErrors.status(Status.Code.UNIMPLEMENTED,
          (type.isEmpty() ? "the request has no Content-Type" : "Content-Type '" + type + "' is not served")
              + (type.equals("application/grpc") ? " on the HTTP port; gRPC clients use the gRPC port" : "")
              + " (expected: application/json or application/proto for Connect unary, application/connect+json or "
              + "application/connect+proto for Connect streaming, application/grpc-web[+proto|+json] or "
              + "application/grpc-web-text[+proto])", ErrorReason.CONTENT_TYPE_UNSUPPORTED,
          Map.of("content_type", type)));
      return;
    }
    if (def == null) {
      failCall(WebErrors.status(Status.Code.UNIMPLEMENTED, "no method " + path.substring(1) + " on this server "
          + "(expected: POST /<package.Service>/<Method>, e.g. /streamkit.v1.StreamService/PublishEvent)",
          ErrorReason.PATH_UNKNOWN, Map.of("path", path)), false);
      return;
    }
    MethodDescriptor<?, ?> descriptor = def.getMethodDescriptor();
    if (!WebServices.servable(descriptor)) {
      failCall(WebErrors.status(Status.Code.UNIMPLEMENTED, descriptor.getFullMethodName() + " is a "
              + descriptor.getType().name().toLowerCase(Locale.ROOT).replace('_', '-') + " method, which Connect and "
              + "gRPC-Web cannot serve to browsers (expected: a unary or server-streaming method; instead of Chat use "
              + "streamkit.v1.StreamService/Call, instead of Publish use streamkit.v1.StreamService/PublishEvent, and "
              + "receive events with Subscribe or GET /v1/events)", ErrorReason.METHOD_NOT_SERVED_OVER_HTTP,
          Map.of("method", descriptor.getFullMethodName(), "use", "streamkit.v1.StreamService/Call,"
              + "streamkit.v1.StreamService/PublishEvent")), false);
      return;
    }
    try {
      startCall(ctx, def, type, whole);
    } catch (StatusException e) {
      failCall(e.getStatus(), false);
    }
  }

  private <ReqT, RespT> void startCall(ChannelHandlerContext ctx, ServerMethodDefinition<ReqT, RespT> def,
      String type, ByteBuf whole) throws StatusException {
    MethodDescriptor<ReqT, RespT> descriptor = def.getMethodDescriptor();
    boolean streaming = descriptor.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
    MessageCodec<ReqT, RespT> codec = web.services().codec(def);
    HttpHeaders h = request.headers();
    String version = h.get("connect-protocol-version");
    ReqT message;
    WebCall.Encoding<RespT> encoding;
    long timeoutNanos;
    if (protocol == Protocol.CONNECT) {
      if (version != null && !version.equals("1")) {
        throw WebErrors.status(Status.Code.INVALID_ARGUMENT, "connect-protocol-version is '" + version
            + "' (expected: 1)", ErrorReason.REQUEST_FRAMING_INVALID, Map.of("protocol", "connect")).asException();
      }
      boolean json = type.endsWith("json");
      boolean envelope = type.startsWith("application/connect+");
      if (envelope != streaming) {
        throw WebErrors.status(Status.Code.UNIMPLEMENTED, descriptor.getFullMethodName() + " is "
            + (streaming ? "server-streaming" : "unary") + " but Content-Type is '" + type + "' (expected: "
            + (streaming ? "application/connect+json or application/connect+proto" : "application/json or "
            + "application/proto") + ")", ErrorReason.CONTENT_TYPE_UNSUPPORTED, Map.of("content_type", type))
            .asException();
      }
      byte[] bytes;
      if (streaming) {
        Framing.Frame frame = Framing.single(whole, "connect", web.maxMessageBytes());
        bytes = frame.data();
        if ((frame.flags() & Framing.COMPRESSED) != 0) {
          String enc = h.get("connect-content-encoding", "identity");
          if (!enc.equals("gzip")) {
            throw Framing.invalid("connect", "the envelope is flagged compressed but connect-content-encoding is '"
                + enc + "' (expected: gzip)");
          }
          bytes = Framing.gunzip(bytes, web.maxMessageBytes(), "connect");
        } else {
          checkEncoding(h.get("connect-content-encoding"));
        }
        encoding = new ConnectStream<>(codec, json, accepts(h.get("connect-accept-encoding")));
      } else {
        bytes = new byte[whole.readableBytes()];
        whole.readBytes(bytes);
        if ("gzip".equals(h.get(HttpHeaderNames.CONTENT_ENCODING))) {
          bytes = Framing.gunzip(bytes, web.maxMessageBytes(), "connect");
        } else {
          checkEncoding(h.get(HttpHeaderNames.CONTENT_ENCODING));
        }
        if (bytes.length > web.maxMessageBytes()) {
          throw Framing.tooLarge(bytes.length, web.maxMessageBytes());
        }
        encoding = new ConnectUnary<>(codec, json, accepts(h.get(HttpHeaderNames.ACCEPT_ENCODING)));
      }
      message = json ? codec.requestFromJson(new String(bytes, StandardCharsets.UTF_8)) : codec.requestFromBinary(bytes);
      timeoutNanos = connectTimeout(h.get("connect-timeout-ms"));
    } else {
      boolean text = type.startsWith("application/grpc-web-text");
      boolean json = type.endsWith("+json");
      ByteBuf frames = text ? GrpcWeb.decodeText(whole, "grpc-web") : whole.retain();
      try {
        Framing.Frame frame = Framing.single(frames, "grpc-web", web.maxMessageBytes());
        byte[] bytes = frame.data();
        if ((frame.flags() & Framing.COMPRESSED) != 0) {
          String enc = h.get("grpc-encoding", "identity");
          if (!enc.equals("gzip")) {
            throw Framing.invalid("grpc-web", "the frame is flagged compressed but grpc-encoding is '" + enc
                + "' (expected: gzip)");
          }
          bytes = Framing.gunzip(bytes, web.maxMessageBytes(), "grpc-web");
        }
        message = json ? codec.requestFromJson(new String(bytes, StandardCharsets.UTF_8)) : codec.requestFromBinary(bytes);
      } finally {
        frames.release();
      }
      encoding = new GrpcWeb<>(codec, text ? "application/grpc-web-text+proto" : type.equals("application/grpc-web")
          ? "application/grpc-web+proto" : type, text, json);
      timeoutNanos = grpcTimeout(h.get("grpc-timeout"));
    }
    run(ctx, def, encoding, message, timeoutNanos);
  }

  private <ReqT, RespT> void run(ChannelHandlerContext ctx, ServerMethodDefinition<ReqT, RespT> def,
      WebCall.Encoding<RespT> encoding, ReqT message, long timeoutNanos) {
    Protocol p = protocol;
    web.meters().opened(p);
    WebCall<ReqT, RespT> c = new WebCall<>(def.getMethodDescriptor(), response, encoding, attributes(ctx.channel()),
        request.headers().get(HttpHeaderNames.HOST), code -> {
          web.meters().closed(p, code);
          call = null;
        });
    call = c;
    Metadata metadata = MetadataHeaders.toMetadata(request.headers(), accessToken());
    c.start(def.getServerCallHandler(), metadata, message, timeoutNanos);
  }

  private void checkEncoding(String encoding) throws StatusException {
    if (encoding != null && !encoding.equals("identity") && !encoding.equals("gzip")) {
      throw Framing.unsupportedEncoding(encoding);
    }
  }

  private static boolean accepts(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String e : acceptEncoding.split(",")) {
      if (e.trim().startsWith("gzip")) {
        return true;
      }
    }
    return false;
  }

  private static long connectTimeout(String ms) throws StatusException {
    if (ms == null) {
      return 0;
    }
    if (!CONNECT_TIMEOUT.matcher(ms).matches()) {
      throw WebErrors.status(Status.Code.INVALID_ARGUMENT, "connect-timeout-ms is '" + ms + "' (expected: 1 to 10 "
          + "digits of milliseconds)", ErrorReason.REQUEST_FRAMING_INVALID, Map.of("protocol", "connect")).asException();
    }
    return Math.max(1, TimeUnit.MILLISECONDS.toNanos(Long.parseLong(ms)));
  }

  private static long grpcTimeout(String value) throws StatusException {
    if (value == null) {
      return 0;
    }
    var m = GRPC_TIMEOUT.matcher(value);
    if (!m.matches()) {
      throw WebErrors.status(Status.Code.INVALID_ARGUMENT, "grpc-timeout is '" + value + "' (expected: up to 8 digits "
          + "and a unit of H, M, S, m, u or n)", ErrorReason.REQUEST_FRAMING_INVALID, Map.of("protocol", "grpc-web"))
          .asException();
    }
    long n = Long.parseLong(m.group(1));
    TimeUnit unit = switch (m.group(2)) {
      case "H" -> TimeUnit.HOURS;
      case "M" -> TimeUnit.MINUTES;
      case "S" -> TimeUnit.SECONDS;
      case "m" -> TimeUnit.MILLISECONDS;
      case "u" -> TimeUnit.MICROSECONDS;
      default -> TimeUnit.NANOSECONDS;
    };
    return Math.max(1, unit.toNanos(n));
  }

  // ---- Server-Sent Events -------------------------------------------------------------------------------------

  private void startEvents(ChannelHandlerContext ctx, HttpRequest r) {
    QueryStringDecoder query = new QueryStringDecoder(r.uri());
    List<String> topics = query.parameters().getOrDefault("topic", List.of());
    if (topics.isEmpty()) {
      respondError(HttpResponseStatus.BAD_REQUEST, WebErrors.status(Status.Code.INVALID_ARGUMENT,
          "no topic (expected: GET /v1/events?topic=A&topic=B, one topic parameter per topic)",
          ErrorReason.SUBSCRIBE_REQUEST_INVALID, Map.of()));
      return;
    }
    String param = first(query, "lastEventID");
    String header = r.headers().get("last-event-id");
    boolean earliest = "earliest".equals(param);
    String token = header != null && !header.isEmpty() ? header : earliest ? null : param;
    if ("earliest".equals(token)) {
      earliest = true;
      token = null;
    }
    Map<String, ResumeToken.Seen> resumed = Map.of();
    if (token != null && !token.isEmpty()) {
      try {
        resumed = ResumeToken.decode(token, new LinkedHashSet<>(topics));
      } catch (IllegalArgumentException e) {
        respondError(HttpResponseStatus.BAD_REQUEST, WebErrors.status(Status.Code.INVALID_ARGUMENT,
            "the resume token (" + (header != null ? "Last-Event-ID header" : "lastEventID parameter") + ") is "
                + "invalid: " + e.getMessage(), ErrorReason.RESUME_TOKEN_INVALID, Map.of("problem", e.getMessage())));
        return;
      }
    }
    SubscribeRequest.Builder subscribe = SubscribeRequest.newBuilder();
    for (String topic : topics) {
      TopicSubscription.Builder t = TopicSubscription.newBuilder().setTopic(topic);
      ResumeToken.Seen seen = resumed.get(topic);
      if (seen != null) {
        t.setAfterOffset(seen.offset()).setEpoch(seen.epoch());
      } else if (earliest) {
        t.setAfterOffset(0);
      }
      subscribe.addTopics(t);
    }
    @SuppressWarnings("unchecked")
    ServerMethodDefinition<Object, TopicEvent> def =
        (ServerMethodDefinition<Object, TopicEvent>) web.services().method(WebServices.SUBSCRIBE);
    run(ctx, def, new SseEncoding(resumed, web.settings().sseHeartbeat()), subscribe.build(), 0);
  }

  private static String first(QueryStringDecoder query, String name) {
    List<String> values = query.parameters().get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private String accessToken() {
    return first(new QueryStringDecoder(request.uri()), "access_token");
  }

  private static Attributes attributes(Channel channel) {
    Channel connection = channel.parent() != null ? channel.parent() : channel;
    Attributes.Builder b = Attributes.newBuilder()
        .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, connection.remoteAddress())
        .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, connection.localAddress());
    SslHandler ssl = connection.pipeline().get(SslHandler.class);
    if (ssl != null) {
      b.set(Grpc.TRANSPORT_ATTR_SSL_SESSION, ssl.engine().getSession());
    }
    return b.build();
  }

  // ---- errors -------------------------------------------------------------------------------------------------

  /** An error before a call started, in the request's protocol's form. */
  private void failCall(Status status, boolean closeAfter) {
    Metadata trailers = io.streamkit.server.ErrorDetails.trailers(status);
    web.meters().error(protocol, status.getCode());
    if (closeAfter && !http2) {
      response = new WebResponse(response.context(), common, false, this::responseEnded);
    }
    if (protocol == Protocol.GRPC_WEB) {
      String type = contentType(request);
      boolean text = type.startsWith("application/grpc-web-text");
      GrpcWeb.fail(response, text ? "application/grpc-web-text+proto" : "application/grpc-web+proto", text, status,
          trailers);
    } else if (protocol == Protocol.CONNECT && contentType(request).startsWith("application/connect+")) {
      // The end-of-stream message is JSON either way; the Content-Type answers the request's.
      new ConnectStream<>(null, contentType(request).endsWith("json"), false).close(response, status, trailers);
    } else {
      ConnectUnary.fail(response, status, trailers);
    }
  }

  private void respondError(HttpResponseStatus http, Status status) {
    respondError(http, status, new DefaultHttpHeaders());
  }

  private void respondError(HttpResponseStatus http, Status status, HttpHeaders extra) {
    web.meters().error(protocol, status.getCode());
    response.error(http, WebErrors.json(status, io.streamkit.server.ErrorDetails.trailers(status)), extra);
  }

  // ---- channel events -----------------------------------------------------------------------------------------

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    WebCall<?, ?> c = call;
    if (c != null && ctx.channel().isWritable()) {
      c.readyAgain();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseBody();
    WebCall<?, ?> c = call;
    if (c != null) {
      c.cancel();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("HTTP channel {} failed; closing it", ctx.channel(), cause);
    ctx.close();
  }

  private void releaseBody() {
    if (body != null) {
      body.release();
      body = null;
    }
  }
}
