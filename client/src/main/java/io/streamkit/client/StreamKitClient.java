package io.streamkit.client;

import com.google.protobuf.ByteString;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.client.internal.BearerTokenCredentials;
import io.streamkit.client.internal.BlockingBidiCall;
import io.streamkit.client.internal.BlockingPublishCall;
import io.streamkit.client.internal.CallbackBidiCall;
import io.streamkit.client.internal.ClientRuntime;
import io.streamkit.client.internal.ClientRuntime.CallSettings;
import io.streamkit.client.internal.ResumingSubscription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The entry point of the StreamKit client: one connection (a gRPC channel) to one server, and from it
 * blocking streams ({@link #bidi(MethodDescriptor)}), callback streams
 * ({@link #bidi(MethodDescriptor, StreamListener)}), request/reply calls ({@link #call}), resuming
 * subscriptions to topics ({@link #subscribe(List)}) and publishers ({@link #publisher()}). The
 * vocabulary (inbound, outbound, half-close, cancel, deadline) is defined in the package documentation.
 *
 * <p>Threading: thread-safe. Share one instance per server: every stream and call multiplexes over its
 * channel. Blocking methods block the calling thread only; callbacks and the completion of {@link #call}
 * futures run on the callback executor (a timed-out call completes on the client's timer thread).
 *
 * <p>Lifecycle: created by {@link #builder()}, immutable once built, closed by its owner with
 * {@link #close()}, which is idempotent: it cancels open streams, fails pending calls with CANCELLED,
 * shuts the channel down and stops the threads the client owns, waiting at most 5 seconds. A client that
 * is never closed keeps its connection and threads until the JVM exits.
 *
 * <p>Deadlines, per call type: each request/reply {@link #call} has one ({@link Builder#defaultDeadline}, 30 s,
 * unless given). Bidi and publish streams have none by default ({@link Builder#streamDeadline} sets one,
 * {@link #withDeadline} per stream), on purpose: a long-lived stream is healthy for as long as both sides
 * keep it, and a deadline would kill it at an arbitrary moment; end streams with close/cancel, and rely on
 * keepalive to find dead connections. Subscriptions never have one: they resume. A stream whose deadline
 * passes ends with DEADLINE_EXCEEDED.
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
    CallSettings settings =
        new CallSettings(builder.streamDeadline, builder.compression, builder.streamStartTimeout);
    this.runtime = new ClientRuntime(channelBuilder.build(), builder.credentials, builder.callbackExecutor,
        builder.maxQueuedBytes, settings);
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

  /** Opens a blocking stream of StreamService.Chat. */
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

  /** Opens a callback stream of StreamService.Chat. */
  public StreamHandle<Message> chat(StreamListener<Message> listener) {
    return bidi(StreamServiceGrpc.getChatMethod(), listener);
  }

  /**
   * Opens a blocking, resuming subscription to {@code topics} (each at most once) with the client's
   * {@link Builder#reconnectPolicy(ReconnectPolicy) reconnect policy}. See {@link Subscription}.
   *
   * @throws IllegalArgumentException if {@code topics} is empty or names a topic twice
   * @throws IllegalStateException if this client is closed
   */
  public Subscription subscribe(List<TopicStart> topics) {
    return subscribe(topics, reconnectPolicy);
  }

  /** {@link #subscribe(List)} with its own reconnect policy. */
  public Subscription subscribe(List<TopicStart> topics, ReconnectPolicy policy) {
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(policy, "policy");
    checkOpen();
    return ResumingSubscription.blocking(subscribeChannel, List.copyOf(topics), policy::delayNanos, runtime.timer(),
        runtime.openCalls());
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
    return ResumingSubscription.withListener(subscribeChannel, List.copyOf(topics), policy::delayNanos,
        runtime.timer(), runtime.openCalls(), listener, runtime.callbackExecutor());
  }

  /**
   * Opens a Publish stream. See {@link EventPublisher}.
   *
   * @throws IllegalStateException if this client is closed
   */
  public EventPublisher publisher() {
    checkOpen();
    return BlockingPublishCall.start(streamChannel, runtime.openCalls());
  }

  /** {@link #call(String, ByteString, Map, Duration)} without headers, with the default deadline. */
  public CompletableFuture<Message> call(String route, ByteString payload) {
    return call(route, payload, Map.of(), defaultDeadline);
  }

  /** {@link #call(String, ByteString, Map, Duration)} with the default deadline. */
  public CompletableFuture<Message> call(String route, ByteString payload, Map<String, String> headers) {
    return call(route, payload, headers, defaultDeadline);
  }

  /**
   * Sends one request to {@code route} over the client's shared Chat stream and returns its reply.
   * Any number of calls may be outstanding at once; the stream is opened by the first call, and again by
   * the first call after it failed. Never blocks.
   *
   * <p>The future completes with the reply; or exceptionally with {@link StreamKitException}: with the
   * reply's error code and message when the server answered with an error; DEADLINE_EXCEEDED when no
   * reply came within {@code deadline}; the stream's status when the stream ended first; CANCELLED when
   * the client closed; RESOURCE_EXHAUSTED when the stream's outbound buffer is full. Cancelling the future
   * forgets the call (a late reply is dropped).
   *
   * @param deadline how long to wait for the reply, from now; must be positive
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

    private Builder() {}

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
     * How subscriptions reconnect after a retryable failure; each subscription may override it.
     * Default: {@link ReconnectPolicy#defaults()}.
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
     * The deadline of each {@link StreamKitClient#call} that gives none. Streams never get one (see the
     * class javadoc of {@link StreamKitClient}). Default: 30 seconds.
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
     * Where callbacks and call completions run. Must not run tasks on the calling thread (a direct
     * executor), or callbacks would run on transport threads. The client never shuts it down. Default: a
     * pool of max(2, cores) daemon threads that the client owns and shuts down on close.
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor: null (expected: an Executor)");
      return this;
    }

    /**
     * The most outbound bytes (serialized size) a callback stream, or the request/reply stream, buffers
     * while not ready; past it {@code send} fails with RESOURCE_EXHAUSTED. Per stream. Default: 4 MiB.
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
