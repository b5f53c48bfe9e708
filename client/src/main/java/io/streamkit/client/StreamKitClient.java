package io.streamkit.client;

import com.google.protobuf.ByteString;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.TopicNames;
import io.streamkit.client.internal.BearerTokenCredentials;
import io.streamkit.client.internal.BlockingBidiCall;
import io.streamkit.client.internal.BlockingPublishCall;
import io.streamkit.client.internal.CallbackBidiCall;
import io.streamkit.client.internal.ClientRuntime;
import io.streamkit.client.internal.ClientRuntime.CallSettings;
import io.streamkit.client.internal.ClientTracing;
import io.streamkit.client.internal.ResumingSubscription;
import io.streamkit.client.internal.ResumingSubscription.Discontinuities;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The entry point of the StreamKit client: one connection (a gRPC channel) to one server, and from it
 * request/reply calls ({@link #call}), one-call publishing ({@link #publish(String, ByteString)}), resuming
 * subscriptions to topics ({@link #subscribe(List)}), publish streams ({@link #publisher()}), blocking streams
 * ({@link #bidi(MethodDescriptor)}) and callback streams ({@link #bidi(MethodDescriptor, StreamListener)}). The
 * vocabulary (inbound, outbound, half-close, cancel, deadline, offset, epoch, gap, reset) is defined in the
 * package documentation.
 *
 * <p>Threading: thread-safe. Share one instance per server: every stream and call multiplexes over its
 * connection. Blocking methods block the calling thread only. Listener callbacks ({@link StreamListener},
 * {@link SubscriptionListener}, {@link ConnectionListener}) run on the callback executor, serialized per stream.
 * The futures of {@link #call} and {@link #publish} complete on the client's own reply thread, never on the
 * callback executor, so a callback may block on them ({@code client.call(...).get()}) without starving the
 * replies; a blocking {@code get()} or {@code join()} on the reply thread itself (in a dependent stage such as
 * {@code thenAccept}) fails at once with IllegalStateException, because it would wait for itself.
 *
 * <p>Connection: {@link #connectionState()} and {@link Builder#connectionListener}. When a connect fails the
 * client tries again on its {@link Builder#reconnectPolicy reconnect policy}'s schedule (at most 5 s apart by
 * default), not gRPC's own backoff (up to 2 minutes), so once the server is back a connection is READY within one
 * policy delay plus one connect. Streams and calls made while there is no connection fail at once with
 * UNAVAILABLE naming the cause ({@code cannot connect to host:port: Connection refused (io exception); nothing was
 * sent}); subscriptions wait and resume.
 *
 * <p>Lifecycle: created by {@link #builder()}, immutable once built, closed by its owner with
 * {@link #close()}, which is idempotent: it cancels open streams, fails pending calls with CANCELLED,
 * shuts the channel down and stops the threads the client owns, waiting at most 5 seconds. A client that
 * is never closed keeps its connection and threads until the JVM exits.
 *
 * <p>Deadlines, per call type: each {@link #call} and {@link #publish} has one ({@link Builder#defaultDeadline},
 * 30 s, unless given). Bidi and publish streams have none by default ({@link Builder#streamDeadline} sets one,
 * {@link #withDeadline} per stream), on purpose: a long-lived stream is healthy for as long as both sides
 * keep it, and a deadline would kill it at an arbitrary moment; end streams with close/cancel, and rely on
 * keepalive to find dead connections. Subscriptions never have one: they resume. A stream whose deadline
 * passes ends with DEADLINE_EXCEEDED.
 *
 * <p>Errors: failures are {@link StreamKitException}s carrying the status and the server's typed
 * {@link StreamKitException#reason() reason}; caller mistakes (a bad topic or route, a closed client) are
 * IllegalArgumentException or IllegalStateException at the call.
 *
 * <p>Security: plaintext unless {@link Builder#tls(ClientTls)}; credentials for every call with
 * {@link Builder#bearerToken(String)} or {@link Builder#callCredentials(CallCredentials)}. A server that refuses
 * them ends streams and calls with UNAUTHENTICATED or PERMISSION_DENIED, reported as {@link StreamKitException};
 * subscriptions do not retry those.
 */
public final class StreamKitClient implements AutoCloseable {
  private final ClientRuntime runtime;
  /** False for a view made by {@link #withDeadline} or {@link #withCompression}: it owns nothing. */
  private final boolean owner;
  private final CallSettings settings;
  private final Channel streamChannel;
  private final Channel subscribeChannel;
  private final Duration defaultDeadline;
  private final long maxQueuedBytes;
  private final ReconnectPolicy reconnectPolicy;
  private final ClientTracing tracing;

  private StreamKitClient(Builder builder) {
    NettyChannelBuilder channelBuilder = NettyChannelBuilder.forTarget(builder.target)
        .maxInboundMessageSize(builder.maxInboundMessageSize)
        .keepAliveTime(builder.keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(builder.keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS);
    if (builder.tls == null) {
      channelBuilder.usePlaintext();
    } else {
      channelBuilder.useTransportSecurity().sslContext(builder.tls.sslContext());
    }
    if (builder.userAgent != null) {
      channelBuilder.userAgent(builder.userAgent);
    }
    this.tracing = ClientTracing.of(builder.openTelemetry);
    if (tracing.enabled()) {
      channelBuilder.intercept(ClientTracing.interceptor());
    }
    CallSettings settings =
        new CallSettings(builder.streamDeadline, builder.compression, builder.streamStartTimeout);
    this.runtime = new ClientRuntime(channelBuilder.build(), builder.target, builder.credentials,
        builder.callbackExecutor, builder.maxQueuedBytes, builder.reconnectPolicy::delayNanos,
        builder.connectionListener, settings);
    this.owner = true;
    this.settings = settings;
    this.streamChannel = settings.streamChannel(runtime.channel(), runtime.timer());
    this.subscribeChannel = settings.subscribeChannel(runtime.channel(), runtime.timer());
    this.defaultDeadline = builder.defaultDeadline;
    this.maxQueuedBytes = builder.maxQueuedBytes;
    this.reconnectPolicy = builder.reconnectPolicy;
  }

  /** A view of {@code from} with other per-call settings; shares everything else. */
  private StreamKitClient(StreamKitClient from, CallSettings settings) {
    this.runtime = from.runtime;
    this.owner = false;
    this.settings = settings;
    this.streamChannel = settings.streamChannel(runtime.channel(), runtime.timer());
    this.subscribeChannel = settings.subscribeChannel(runtime.channel(), runtime.timer());
    this.defaultDeadline = from.defaultDeadline;
    this.maxQueuedBytes = from.maxQueuedBytes;
    this.reconnectPolicy = from.reconnectPolicy;
    this.tracing = from.tracing;
  }

  /**
   * A view of this client whose bidi and publish streams get {@code deadline} (counted from each stream's
   * start); everything else, the connection included, is shared. Subscriptions never get one: they resume
   * after failures, and a deadline would end them at a fixed time. Closing the view does nothing; close the
   * client it came from. Cheap: make one per call if needed.
   */
  public StreamKitClient withDeadline(Duration deadline) {
    Builder.checkPositive("deadline", deadline);
    return new StreamKitClient(this, settings.withDeadline(deadline));
  }

  /**
   * A view of this client whose streams and subscriptions compress outbound messages with {@code encoding}
   * ({@code "gzip"} or {@code "identity"}); a StreamKit server then answers in gzip too. Shares the connection;
   * closing the view does nothing.
   */
  public StreamKitClient withCompression(String encoding) {
    Builder.checkCompression(encoding);
    return new StreamKitClient(this, settings.withCompression(encoding));
  }

  /** A builder; {@link Builder#target(String)} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The channel, for stubs of your own; its calls carry the client's credentials. Streams and calls made on
   * it directly are not cancelled by {@link #close()} (the channel's shutdown still ends them) and get no
   * default deadline.
   */
  public Channel channel() {
    return runtime.channel();
  }

  /**
   * Opens a blocking stream of any bidi-streaming method, e.g. {@code GreeterGrpc.getChatMethod()}.
   *
   * @throws IllegalArgumentException if {@code method} is not bidi streaming
   * @throws IllegalStateException if this client is closed
   */
  public <ReqT, RespT> BidiStream<ReqT, RespT> bidi(MethodDescriptor<ReqT, RespT> method) {
    checkBidi(method);
    checkOpen();
    return BlockingBidiCall.start(streamChannel, method, runtime.openCalls());
  }

  /**
   * Opens a blocking stream of StreamService.Chat. Give every request message an id: its reply carries it as
   * correlation_id. The server answers a request without an id with an error reply (INVALID_ARGUMENT, reason
   * MESSAGE_ID_MISSING) instead of an uncorrelatable reply; {@link #call} fills ids for you.
   */
  public BidiStream<Message, Message> chat() {
    return bidi(StreamServiceGrpc.getChatMethod());
  }

  /**
   * Opens a callback stream of any bidi-streaming method: inbound messages go to {@code listener}, on the
   * callback executor, serialized; outbound ones through the returned handle, which never blocks.
   *
   * @throws IllegalArgumentException if {@code method} is not bidi streaming
   * @throws IllegalStateException if this client is closed
   */
  public <ReqT, RespT> StreamHandle<ReqT> bidi(MethodDescriptor<ReqT, RespT> method,
      StreamListener<RespT> listener) {
    checkBidi(method);
    Objects.requireNonNull(listener, "listener");
    checkOpen();
    return CallbackBidiCall.start(streamChannel, method, listener, runtime.callbackExecutor(), maxQueuedBytes,
        runtime.openCalls());
  }

  /** Opens a callback stream of StreamService.Chat; request messages need ids, as on {@link #chat()}. */
  public StreamHandle<Message> chat(StreamListener<Message> listener) {
    return bidi(StreamServiceGrpc.getChatMethod(), listener);
  }

  /**
   * Opens a blocking, resuming subscription to {@code topics} (each at most once) with the client's
   * {@link Builder#reconnectPolicy(ReconnectPolicy) reconnect policy}, whose loop survives lost connections,
   * server restarts, gaps and resets (logged). See {@link Subscription}.
   *
   * @throws IllegalArgumentException if {@code topics} is empty or names a topic twice
   * @throws IllegalStateException if this client is closed
   */
  public Subscription subscribe(List<TopicStart> topics) {
    return subscribe(topics, SubscribeOptions.defaults());
  }

  /** {@link #subscribe(List)} with its own reconnect policy. */
  public Subscription subscribe(List<TopicStart> topics, ReconnectPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    return subscribe(topics, SubscribeOptions.builder().reconnectPolicy(policy).build());
  }

  /**
   * {@link #subscribe(List)} with {@code options}: a reconnect policy, what to do on a gap or reset, and the
   * strict mode that stops on them.
   */
  public Subscription subscribe(List<TopicStart> topics, SubscribeOptions options) {
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(options, "options");
    checkOpen();
    ReconnectPolicy policy = options.reconnectPolicy() == null ? reconnectPolicy : options.reconnectPolicy();
    return ResumingSubscription.blocking(subscribeChannel, runtime.connection(), List.copyOf(topics),
        policy::delayNanos, runtime.timer(), runtime.openCalls(),
        new Discontinuities(options.onDiscontinuity(), options.stopOnDiscontinuity()));
  }

  /**
   * Opens a resuming subscription whose events go to {@code listener}, serialized, on the callback
   * executor. See {@link SubscriptionListener}.
   *
   * @throws IllegalArgumentException if {@code topics} is empty or names a topic twice
   * @throws IllegalStateException if this client is closed
   */
  public SubscriptionHandle subscribe(List<TopicStart> topics, SubscriptionListener listener) {
    return subscribe(topics, reconnectPolicy, listener);
  }

  /** {@link #subscribe(List, SubscriptionListener)} with its own reconnect policy. */
  public SubscriptionHandle subscribe(List<TopicStart> topics, ReconnectPolicy policy,
      SubscriptionListener listener) {
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(listener, "listener");
    checkOpen();
    return ResumingSubscription.withListener(subscribeChannel, runtime.connection(), List.copyOf(topics),
        policy::delayNanos, runtime.timer(), runtime.openCalls(), listener, runtime.callbackExecutor());
  }

  /** {@link #publish(String, ByteString, Map)} without headers. */
  public CompletableFuture<PublishAck> publish(String topic, ByteString payload) {
    return publish(topic, payload, Map.of());
  }

  /**
   * {@link #publish(String, ByteString, Map)} without headers, of {@code payload}'s UTF-8 bytes; read it back with
   * {@code event.getPayload().toStringUtf8()}.
   */
  public CompletableFuture<PublishAck> publish(String topic, String payload) {
    return publish(topic, ByteString.copyFromUtf8(Objects.requireNonNull(payload, "payload")), Map.of());
  }

  /** {@link #publish(String, ByteString, Map)} without headers, of a copy of {@code payload}. */
  public CompletableFuture<PublishAck> publish(String topic, byte[] payload) {
    return publish(topic, ByteString.copyFrom(Objects.requireNonNull(payload, "payload")), Map.of());
  }

  /**
   * Publishes one event and returns the future of its acknowledgement, which completes once the server stored
   * it (the ack has count 1 and the event's offset under {@code topic}). Never blocks. For example
   * {@code client.publish("news", ByteString.copyFromUtf8("hello")).join();}
   *
   * <p>It is one {@code PublishEvent} call, with the {@link Builder#defaultDeadline default deadline}: many
   * outstanding publishes share the connection, and each is acknowledged on its own (a {@link #publisher()}
   * stream acknowledges only on complete). Publishes that are outstanding at the same time may be stored in any
   * order: wait for each future, or use a {@link #publisher()}, when order matters.
   *
   * <p>The future fails with {@link StreamKitException}, never silently: UNAVAILABLE naming the cause when there
   * is no connection (its message ends "nothing was sent" when the event never left: publishing it again is
   * safe); the server's status and {@link StreamKitException#reason() reason} when it refused or could not store
   * the event (e.g. BROKER_UNAVAILABLE: not stored, retry; PUBLISH_UNCONFIRMED: may be stored);
   * DEADLINE_EXCEEDED when no acknowledgement came in time (it may or may not be stored); RESOURCE_EXHAUSTED,
   * at once and nothing sent, when the publishes waiting for their acknowledgement already hold
   * {@link Builder#maxQueuedBytes maxQueuedBytes}; CANCELLED when the client closed first.
   *
   * @throws IllegalArgumentException if {@code topic} breaks the topic rule (1 to 256 characters of
   *     {@code [A-Za-z0-9._:/-]}), with the server's own message for it
   * @throws IllegalStateException if this client is closed
   */
  public CompletableFuture<PublishAck> publish(String topic, ByteString payload, Map<String, String> headers) {
    TopicNames.check(Objects.requireNonNull(topic, "topic: null (expected: a topic name)"));
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(headers, "headers");
    checkOpen();
    if (tracing.enabled()) {
      return tracing.traced("publish " + topic, SpanKind.PRODUCER, topic, headers,
          traced -> publishRequest(topic, payload, traced));
    }
    return publishRequest(topic, payload, headers);
  }

  private CompletableFuture<PublishAck> publishRequest(String topic, ByteString payload, Map<String, String> headers) {
    PublishRequest request =
        PublishRequest.newBuilder().setTopic(topic).setPayload(payload).putAllHeaders(headers).build();
    return runtime.publishing().publish(request, defaultDeadline);
  }

  /**
   * Opens a Publish stream. See {@link EventPublisher}.
   *
   * @throws IllegalStateException if this client is closed
   */
  public EventPublisher publisher() {
    checkOpen();
    return BlockingPublishCall.start(streamChannel, runtime.openCalls(), defaultDeadline);
  }

  /** {@link #call(String, ByteString, Map, Duration)} without headers, with the default deadline. */
  public CompletableFuture<Message> call(String route, ByteString payload) {
    return call(route, payload, Map.of(), defaultDeadline);
  }

  /**
   * {@link #call(String, ByteString, Map, Duration)} of {@code payload}'s UTF-8 bytes, without headers, with the
   * default deadline; read the reply with {@code reply.getPayload().toStringUtf8()}.
   */
  public CompletableFuture<Message> call(String route, String payload) {
    return call(route, ByteString.copyFromUtf8(Objects.requireNonNull(payload, "payload")), Map.of(),
        defaultDeadline);
  }

  /** {@link #call(String, ByteString, Map, Duration)} of a copy of {@code payload}, without headers. */
  public CompletableFuture<Message> call(String route, byte[] payload) {
    return call(route, ByteString.copyFrom(Objects.requireNonNull(payload, "payload")), Map.of(), defaultDeadline);
  }

  /** {@link #call(String, ByteString, Map, Duration)} with the default deadline. */
  public CompletableFuture<Message> call(String route, ByteString payload, Map<String, String> headers) {
    return call(route, payload, headers, defaultDeadline);
  }

  /**
   * Sends one request to {@code route} and returns its reply. The request gets a fresh id, and the reply is the
   * message whose correlation_id is that id. Any number of calls may be outstanding at once. Never blocks.
   *
   * <p>All calls of a client share one Chat stream (opened by the first call, and again by the first call
   * after it failed), not the unary {@code Call} RPC, which exists for clients that cannot stream (browsers): one
   * HTTP/2 stream costs no headers or trailers per call. The server handles one stream's messages one at a time
   * and in order, so a slow handler delays the calls behind it: use a second client for calls that must not
   * wait for each other.
   *
   * <p>The future completes, on the client's reply thread, with the reply; or exceptionally with
   * {@link StreamKitException}: with the reply's error code, message, reason and metadata when the server
   * answered with an error (e.g. ROUTE_UNKNOWN); DEADLINE_EXCEEDED when no reply came within {@code deadline};
   * the stream's status when the stream ended first (UNAVAILABLE naming the cause when there is no
   * connection); CANCELLED when the client closed; RESOURCE_EXHAUSTED when the stream's outbound buffer is full.
   * Cancelling the future forgets the call (a late reply is dropped).
   *
   * @param deadline how long to wait for the reply, from now; must be positive
   * @throws IllegalArgumentException if {@code route} is empty or {@code deadline} is not positive
   * @throws IllegalStateException if this client is closed
   */
  public CompletableFuture<Message> call(String route, ByteString payload, Map<String, String> headers,
      Duration deadline) {
    Objects.requireNonNull(route, "route");
    if (route.isEmpty()) {
      throw new IllegalArgumentException("route: '' (expected: non-empty)");
    }
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(headers, "headers");
    Builder.checkPositive("deadline", deadline);
    checkOpen();
    if (tracing.enabled()) {
      return tracing.traced("call " + route, SpanKind.CLIENT, route, headers,
          traced -> runtime.correlator().call(route, payload, traced, deadline));
    }
    return runtime.correlator().call(route, payload, headers, deadline);
  }

  /**
   * Cancels every open stream, fails pending calls with CANCELLED, shuts the channel down and stops the
   * client's own threads, waiting at most 5 seconds in all. Idempotent. Do not call it from a callback:
   * it waits for the callback pool to finish.
   */
  @Override
  public void close() {
    if (owner) {
      runtime.close();
    }
  }

  /**
   * The connection's state now. To hear every change, set {@link Builder#connectionListener}. May be called from
   * any thread, after close too (then CLOSED).
   */
  public ConnectionState connectionState() {
    return runtime.isClosed() ? ConnectionState.CLOSED : runtime.connection().state();
  }

  /** Request/reply calls waiting for a reply; for tests. */
  int pendingCalls() {
    return runtime.correlator().pendingCount();
  }

  /** Streams not yet ended; for tests. */
  int openStreams() {
    return runtime.openCalls().size();
  }

  private void checkOpen() {
    if (runtime.isClosed()) {
      throw new IllegalStateException("StreamKitClient is closed; build a new one");
    }
  }

  private static void checkBidi(MethodDescriptor<?, ?> method) {
    Objects.requireNonNull(method, "method");
    if (method.getType() != MethodDescriptor.MethodType.BIDI_STREAMING) {
      throw new IllegalArgumentException("method: " + method.getFullMethodName() + " is "
          + method.getType() + " (expected: BIDI_STREAMING)");
    }
  }

  /**
   * Collects the options of a {@link StreamKitClient}. Each setter checks its argument at once and throws
   * IllegalArgumentException (NullPointerException for null) naming the option, the value and what was
   * expected. Thread-compatible: use it from one thread, or synchronize. Reusable: {@link #build()} copies
   * the options, so later changes do not affect clients already built.
   */
  public static final class Builder {
    private static final int MIB = 1024 * 1024;

    private String target;
    private int maxInboundMessageSize = 4 * MIB;
    private String userAgent;
    private Duration defaultDeadline = Duration.ofSeconds(30);
    private Executor callbackExecutor;
    private long maxQueuedBytes = 4 * MIB;
    private ReconnectPolicy reconnectPolicy = ReconnectPolicy.defaults();
    private Duration streamDeadline;
    private String compression = "identity";
    private Duration streamStartTimeout = Duration.ofSeconds(10);
    private Duration keepAliveTime = Duration.ofSeconds(60);
    private Duration keepAliveTimeout = Duration.ofSeconds(20);
    private ClientTls tls;
    private CallCredentials credentials;
    private ConnectionListener connectionListener;
    private OpenTelemetry openTelemetry;

    private Builder() {}

    /**
     * Traces the client with {@code openTelemetry}: a span per {@link StreamKitClient#call call} ({@code call
     * <route>}, CLIENT) and per {@link StreamKitClient#publish publish} ({@code publish <topic>}, PRODUCER), each
     * the child of the caller's current context, its W3C {@code traceparent} written into the request's headers;
     * and the caller's current trace context in every call's metadata, so the server's spans continue the
     * caller's trace. Events carry their publisher's context: read it with {@link EventTracing}. The application
     * keeps ownership. Default: none, and tracing costs nothing.
     */
    public Builder openTelemetry(OpenTelemetry openTelemetry) {
      Objects.requireNonNull(openTelemetry, "openTelemetry: null (expected: an OpenTelemetry, e.g. an SDK)");
      this.openTelemetry = openTelemetry;
      return this;
    }

    /**
     * Hears every change of the connection's state (connecting, ready, reconnecting, closed), serialized on the
     * callback executor. Default: none; {@link StreamKitClient#connectionState()} still reports it.
     */
    public Builder connectionListener(ConnectionListener listener) {
      this.connectionListener =
          Objects.requireNonNull(listener, "connectionListener: null (expected: a ConnectionListener)");
      return this;
    }

    /** Connects with TLS (and mutual TLS when {@code tls} presents a client certificate). Default: plaintext. */
    public Builder tls(ClientTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls: null (expected: a ClientTls)");
      return this;
    }

    /**
     * Sends {@code authorization: Bearer <token>} with every call; replaces {@link #callCredentials}. Use it
     * with {@link #tls(ClientTls)}: over plaintext the token is readable on the network. Default: none.
     *
     * @throws IllegalArgumentException if the token is blank or holds whitespace or non-ASCII characters (the
     *     message does not print the token)
     */
    public Builder bearerToken(String token) {
      this.credentials = new BearerTokenCredentials(token);
      return this;
    }

    /**
     * Credentials applied to every call that brings none of its own (for example OAuth from another library);
     * replaces {@link #bearerToken}. Default: none.
     */
    public Builder callCredentials(CallCredentials credentials) {
      this.credentials =
          Objects.requireNonNull(credentials, "callCredentials: null (expected: a CallCredentials)");
      return this;
    }

    /**
     * How subscriptions resume after a retryable failure (each subscription may override it), and how often the
     * connection is tried again while it is RECONNECTING. Default: {@link ReconnectPolicy#defaults()}.
     */
    public Builder reconnectPolicy(ReconnectPolicy policy) {
      this.reconnectPolicy = Objects.requireNonNull(policy, "reconnectPolicy: null (expected: a ReconnectPolicy)");
      return this;
    }

    /** Required. The server's address as {@code host:port}, e.g. {@code "localhost:9090"}. */
    public Builder target(String target) {
      Objects.requireNonNull(target, "target: null (expected: host:port)");
      int colon = target.lastIndexOf(':');
      if (target.isBlank() || target.chars().anyMatch(Character::isWhitespace) || colon <= 0
          || !isPort(target.substring(colon + 1))) {
        throw new IllegalArgumentException("target: '" + target + "' (expected: host:port)");
      }
      this.target = target;
      return this;
    }

    /** The largest inbound message accepted, in bytes; larger ones fail the stream. Default: 4 MiB. */
    public Builder maxInboundMessageSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxInboundMessageSize: " + bytes + " (expected: > 0)");
      }
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /** Prefixed to the User-Agent header of every call. Default: grpc-java's own only. */
    public Builder userAgent(String userAgent) {
      Objects.requireNonNull(userAgent, "userAgent: null (expected: non-blank text)");
      if (userAgent.isBlank()) {
        throw new IllegalArgumentException("userAgent: '" + userAgent + "' (expected: non-blank text)");
      }
      this.userAgent = userAgent;
      return this;
    }

    /**
     * The deadline of each {@link StreamKitClient#call} that gives none and of each
     * {@link StreamKitClient#publish}, and the longest {@link EventPublisher#close()} waits for its
     * acknowledgement. Streams never get one (see the class javadoc of {@link StreamKitClient}). Default: 30
     * seconds.
     */
    public Builder defaultDeadline(Duration deadline) {
      checkPositive("defaultDeadline", deadline);
      this.defaultDeadline = deadline;
      return this;
    }

    /**
     * A deadline for every bidi and publish stream (counted from its start) unless a view of
     * {@link StreamKitClient#withDeadline} gives another. Default: none, on purpose: a long-lived stream is
     * healthy for as long as both sides keep it, so a fixed deadline would cut healthy streams; idle
     * connections are found by keepalive and idle streams by the server's idle timeout instead.
     * Subscriptions never get one.
     */
    public Builder streamDeadline(Duration deadline) {
      checkPositive("streamDeadline", deadline);
      this.streamDeadline = deadline;
      return this;
    }

    /**
     * Compression of outbound messages of every stream and call: {@code "gzip"} or {@code "identity"} (none).
     * A StreamKit server answers gzip requests in gzip. Per call: {@link StreamKitClient#withCompression}.
     * Default: identity (small messages gain nothing from it).
     */
    public Builder compression(String encoding) {
      checkCompression(encoding);
      this.compression = encoding;
      return this;
    }

    /**
     * How long a new stream may wait to start (its headers written) before it fails with
     * RESOURCE_EXHAUSTED. A connection at the server's limit of concurrent streams otherwise queues new
     * streams silently, for ever (grpc-java #8252). Default: 10 seconds.
     */
    public Builder streamStartTimeout(Duration timeout) {
      checkPositive("streamStartTimeout", timeout);
      this.streamStartTimeout = timeout;
      return this;
    }

    /**
     * Keepalive: after {@code time} without traffic the client pings the server and closes the connection
     * (failing its streams with UNAVAILABLE, so subscriptions resume) when no answer comes within
     * {@code timeout}. Keeps NAT and proxy mappings of quiet long-lived streams alive. The server must permit
     * pings this often (its --permit-keepalive-time, 5 s by default) or it answers GOAWAY too_many_pings.
     * Defaults: 60 s and 20 s; grpc-java raises a time below 10 s to 10 s.
     */
    public Builder keepAlive(Duration time, Duration timeout) {
      checkPositive("keepAliveTime", time);
      checkPositive("keepAliveTimeout", timeout);
      this.keepAliveTime = time;
      this.keepAliveTimeout = timeout;
      return this;
    }

    /**
     * Where listener callbacks run ({@link StreamListener}, {@link SubscriptionListener},
     * {@link ConnectionListener}); the futures of calls and publishes complete on the client's reply thread
     * instead. Must not run tasks on the calling thread (a direct executor), or callbacks would run on transport
     * threads. The client never shuts it down. Default: a pool of max(2, cores) daemon threads that the client
     * owns and shuts down on close.
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor: null (expected: an Executor)");
      return this;
    }

    /**
     * The most outbound bytes (serialized size) a callback stream, or the request/reply stream, buffers
     * while not ready; past it {@code send} fails with RESOURCE_EXHAUSTED. Per stream. Also the most bytes of
     * {@link StreamKitClient#publish} events waiting for their acknowledgement, past which a publish fails with
     * RESOURCE_EXHAUSTED. Default: 4 MiB.
     */
    public Builder maxQueuedBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxQueuedBytes: " + bytes + " (expected: > 0)");
      }
      this.maxQueuedBytes = bytes;
      return this;
    }

    /**
     * A new client; it connects lazily, on its first stream or call.
     *
     * @throws IllegalStateException if no target was set
     */
    public StreamKitClient build() {
      if (target == null) {
        throw new IllegalStateException("target: not set (expected: call target(\"host:port\") before build())");
      }
      return new StreamKitClient(this);
    }

    static void checkCompression(String encoding) {
      if (!"gzip".equals(encoding) && !"identity".equals(encoding)) {
        throw new IllegalArgumentException("compression: '" + encoding + "' (expected: gzip or identity)");
      }
    }

    static void checkPositive(String name, Duration value) {
      Objects.requireNonNull(value, name + ": null (expected: > 0)");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
      }
    }

    private static boolean isPort(String text) {
      if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return false;
      }
      int port = Integer.parseInt(text);
      return port >= 1 && port <= 65535;
    }
  }
}
