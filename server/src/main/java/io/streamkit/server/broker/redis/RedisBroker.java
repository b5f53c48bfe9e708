package io.streamkit.server.broker.redis;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.streamkit.api.v1.Event;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import io.streamkit.server.broker.TopicLimits;
import io.streamkit.server.broker.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Broker} whose topics live in Redis Streams, so that several server instances share them: an event
 * published on one instance reaches the subscribers of every instance, and a client that loses its instance
 * resumes on another from the same {@code (epoch, offset)}.
 *
 * <p>Offsets are assigned inside Redis by a Lua script that advances the topic's counter and adds the events
 * under the IDs {@code <offset>-0}, so publishers on any number of instances never produce a gap or a duplicate.
 * Publishes are group-committed: those waiting for one topic on this instance go to Redis as one script call,
 * calls for different topics are pipelined, and age trimming runs on a timer, not per publish.
 * The topic's epoch is kept beside the counter; when Redis lost the history (restart without persistence,
 * eviction, expiry, or an older snapshot) a new epoch begins and subscribers see a reset. Retention is the same as
 * the in-memory broker's: at most {@link Builder#historyMaxEvents} events, none older than
 * {@link Builder#historyMaxAge}; a topic's keys expire once it has had no event and no subscriber of any instance
 * for that age plus a minute.
 *
 * <p>Redis Cluster ({@link Builder#cluster}): each topic's keys carry the hash tag {@code {topic}}, so a topic lives
 * on one master and its scripts stay atomic; the broker follows resharding and failover. Durable acknowledgements
 * ({@link Builder#waitReplicas}): an event is acknowledged only once Redis WAIT confirmed replicas have it.
 *
 * <p>Delivery: one reader thread per broker (per server instance) reads every topic that has local subscribers
 * (one Redis: with one blocking XREAD; a cluster: per slot, woken by each master's bell) and keeps each topic's
 * retained history in memory, decoded once; all local subscribers
 * of a topic read those same events, delivered from each subscriber's event loop as with the in-memory broker
 * (see {@code docs/REDIS.md}). While Redis is unreachable, {@link #publish}
 * fails with UNAVAILABLE, subscriptions pause and resume with what was published meanwhile, and
 * {@link #watchAvailability} reports the outage.
 *
 * <p>Thread-safe. Created with {@link #builder()}; its creator closes it ({@link #close()}, idempotent) after the
 * server that uses it. An unclosed broker keeps its reader thread and its Redis connections.
 */
public final class RedisBroker implements Broker {
  private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

  final RedisNodes nodes;
  final String where;
  /** The password in the URI, or null: only to hide it from messages. */
  private final String password;
  final String keyPrefix;
  final int historyMaxEvents;
  final Duration historyMaxAge;
  final long maxSubscriberLag;
  final Duration commandTimeout;
  /** Replicas that must confirm a batch (Redis WAIT) before its events are acknowledged; 0: no WAIT. */
  final int waitReplicas;
  /** The timeout given to WAIT: three quarters of the command timeout, so that Redis answers before it. */
  final long waitTimeoutMillis;
  /**
   * Time-to-live of a topic's keys, renewed by every publish and, while the topic has subscribers, by every
   * instance's check: the history age plus a minute, so that checks (about once a second) always come in time.
   */
  final long keyTtlMillis;
  final KnownOffsets known = new KnownOffsets();
  private final GroupCommit groupCommit;
  private final TopicReader reader;
  private final ScheduledExecutorService trimmer;

  private RedisBroker(Builder b) {
    this.password = b.password;
    this.keyPrefix = b.keyPrefix;
    this.historyMaxEvents = b.limits.historyMaxEvents();
    this.historyMaxAge = b.limits.historyMaxAge();
    this.maxSubscriberLag = b.limits.maxSubscriberLag();
    this.commandTimeout = b.commandTimeout;
    this.waitReplicas = b.waitReplicas;
    this.waitTimeoutMillis = Math.max(1, commandTimeout.toMillis() * 3 / 4);
    this.keyTtlMillis = historyMaxAge.toMillis() + 60_000;
    this.nodes = b.cluster == null
        ? new RedisNodes.Single(b.uri, commandTimeout, b.trustedCa)
        : new ClusterNodes(b.cluster, commandTimeout, b.waitReplicas > 0, b.trustedCa);
    this.where = nodes.where();
    this.groupCommit = new GroupCommit(this);
    this.reader = new TopicReader(this);
    this.trimmer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "streamkit-redis-trim");
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(100, Math.min(1000, historyMaxAge.toMillis() / 4));
    trimmer.scheduleWithFixedDelay(
        () -> groupCommit.trimByAge(System.currentTimeMillis() - historyMaxAge.toMillis()),
        period, period, TimeUnit.MILLISECONDS);
    if (nodes instanceof ClusterNodes cluster) {
      trimmer.scheduleWithFixedDelay(cluster::refresh, ClusterNodes.PERIOD_MILLIS, ClusterNodes.PERIOD_MILLIS,
          TimeUnit.MILLISECONDS);
    }
    reader.start();
  }

  /**
   * Connects once and pings: a refusal of the credentials or a failed TLS handshake is a configuration error,
   * reported naming the URI (password hidden); any other failure (Redis down) is left to the reader's retries.
   */
  private void checkAccess(RedisURI uri) {
    try (StatefulRedisConnection<byte[], byte[]> c = nodes.client.connect(ByteArrayCodec.INSTANCE, uri)) {
      c.sync().ping();
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        String m = String.valueOf(t.getMessage());
        if (m.startsWith("WRONGPASS") || m.startsWith("NOAUTH") || m.contains("invalid password")
            || m.startsWith("ERR AUTH")) {
          throw new IllegalArgumentException("uri: " + where + " refused the credentials ("
              + scrubbed(m) + "); expected: the password Redis requires (its requirepass), as"
              + " redis://:PASSWORD@HOST:PORT", e);
        }
        if (t instanceof javax.net.ssl.SSLException) {
          throw new IllegalArgumentException("uri: the TLS handshake with " + where
              + " failed (" + scrubbed(m) + "); expected: a certificate that the trusted CA signed (set the CA"
              + " with trustedCa, or --redis-ca)", e);
        }
      }
      log.warn("{} not reachable at start ({}); retrying in the background", where, scrubbed(e.getMessage()));
    }
  }

  /**
   * The URI text with the password of its user-info part, if any, shown as {@code ****}; each of a
   * comma-separated list (cluster seeds) likewise.
   */
  public static String redact(String uri) {
    if (uri == null) {
      return null;
    }
    if (uri.contains(",")) {
      return java.util.Arrays.stream(uri.split(",", -1)).map(RedisBroker::redact)
          .collect(java.util.stream.Collectors.joining(","));
    }
    String userInfo = userInfo(uri);
    if (userInfo == null) {
      return uri;
    }
    int colon = userInfo.indexOf(':');
    String user = colon < 0 ? "" : userInfo.substring(0, colon);
    int start = uri.indexOf("://") + 3;
    return uri.substring(0, start) + user + ":****" + uri.substring(start + userInfo.length());
  }

  /** The user-info part of a URI's text (between "://" and the last '@'), or null when it has none. */
  private static String userInfo(String uri) {
    int scheme = uri.indexOf("://");
    int at = uri.lastIndexOf('@');
    return scheme < 0 || at < scheme ? null : uri.substring(scheme + 3, at);
  }

  /** {@code message} without the password of this broker's URI, wherever it appears. */
  private String scrubbed(String message) {
    return password == null || password.isEmpty() || message == null ? message : message.replace(password, "****");
  }

  /** The password in the user-info part of a URI's text, or null. */
  private static String passwordOf(String uri) {
    String userInfo = userInfo(uri);
    if (userInfo == null) {
      return null;
    }
    int colon = userInfo.indexOf(':');
    return colon < 0 ? userInfo : userInfo.substring(colon + 1);
  }

  /** {@code message} with the raw URI text replaced by its redacted form and any leftover password hidden. */
  private static String scrub(String message, String raw, String shown) {
    if (message == null || raw == null) {
      return message;
    }
    String out = message.replace(raw, shown);
    String password = passwordOf(raw);
    return password == null || password.isEmpty() ? out : out.replace(password, "****");
  }

  /** A builder with the defaults documented on each setter. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
    String problem = Topics.problem(topic);
    if (problem != null) {
      return CompletableFuture.failedFuture(Status.INVALID_ARGUMENT.withDescription(problem).asException());
    }
    Instant now = Instant.now();
    byte[] body = Event.newBuilder()
        .setTopic(topic)
        .setPayload(payload)
        .putAllHeaders(headers)
        .setPublishedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .build()
        .toByteArray();
    return groupCommit.publish(topic, body);
  }

  @Override
  public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
    Topics.check(topic);
    PendingSubscription subscription = new PendingSubscription(topic, position, sink);
    reader.add(subscription);
    return subscription;
  }

  /** Reports Redis's reachability as seen by this instance's reader: at once, then on every change. */
  @Override
  public void watchAvailability(AvailabilityListener listener) {
    reader.availability.watch(listener);
  }

  /** Subscriptions of this instance on {@code topic} now (registered ones). For tests and metrics. */
  public int subscriberCount(String topic) {
    return reader.subscriberCount(topic);
  }

  /** Stops the reader, ends the remaining subscriptions with UNAVAILABLE and closes the connections. Idempotent. */
  @Override
  public void close() {
    if (reader.close()) {
      trimmer.shutdownNow();
      nodes.close();
    }
  }

  /** EVALSHA, then EVAL when Redis does not know the script (it forgets scripts when it restarts or fails over). */
  static CompletableFuture<List<Object>> eval(
      StatefulRedisConnection<byte[], byte[]> c, String sha, String script, byte[][] keys, byte[][] args) {
    return c.async().<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
        .exceptionallyCompose(e -> {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (String.valueOf(cause.getMessage()).startsWith("NOSCRIPT")) {
            return c.async().<List<Object>>eval(script, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
          }
          return CompletableFuture.failedFuture(cause);
        });
  }

  static byte[] bytes(Object value) {
    return String.valueOf(value).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Configures a {@link RedisBroker}. Thread-compatible; setters validate at once and throw
   * IllegalArgumentException naming the field, the value and what was expected.
   */
  public static final class Builder {
    private RedisURI uri = RedisURI.create("redis://127.0.0.1:6379");
    private List<RedisURI> cluster;
    private int waitReplicas;
    private String keyPrefix = "streamkit";
    private TopicLimits limits = TopicLimits.DEFAULTS;
    private Duration commandTimeout = Duration.ofSeconds(5);
    private Path trustedCa;
    private String password;

    private Builder() {}

    /**
     * Where Redis is: {@code redis://[:password@]host:port[/database]}, or {@code rediss://...} for TLS (see
     * {@link #trustedCa(Path)}). Default {@code redis://127.0.0.1:6379}. A password in it is never logged nor put
     * in an error message: they show the URI with the password as {@code ****}.
     */
    public Builder uri(String uri) {
      this.uri = parse("uri", uri);
      this.password = passwordOf(uri);
      return this;
    }

    private static RedisURI parse(String field, String uri) {
      try {
        return RedisURI.create(uri);
      } catch (RuntimeException e) {
        String shown = redact(uri);
        throw new IllegalArgumentException(field + ": '" + shown + "' (expected: redis://HOST:PORT or"
            + " rediss://HOST:PORT, e.g. redis://127.0.0.1:6379): " + scrub(e.getMessage(), uri, shown), e);
      }
    }

    /**
     * The CA certificates (a PEM file) that a {@code rediss://} Redis's certificate must chain to, instead of the
     * JVM's default trust store: for a Redis with a certificate from a private CA. Default: none (the JVM's).
     */
    public Builder trustedCa(Path pemFile) {
      if (pemFile == null || !Files.isReadable(pemFile)) {
        throw new IllegalArgumentException("trustedCa: " + pemFile + " (expected: a readable PEM file of CA"
            + " certificates)");
      }
      this.trustedCa = pemFile;
      return this;
    }

    /**
     * Use Redis Cluster instead of one Redis: {@code seeds} are some of its nodes ({@code redis://HOST:PORT}, with
     * the password and TLS every node shares); the broker reads the rest of the topology from them and follows it
     * (resharding, failover). Each topic's keys carry the hash tag {@code {topic}}, so a topic lives on the master
     * of {@code CLUSTER KEYSLOT topic}. Default: not a cluster ({@link #uri}).
     */
    public Builder cluster(List<String> seeds) {
      if (seeds == null || seeds.isEmpty()) {
        throw new IllegalArgumentException("cluster: " + seeds + " (expected: at least one redis://HOST:PORT)");
      }
      List<RedisURI> uris = new java.util.ArrayList<>();
      for (String seed : seeds) {
        uris.add(parse("cluster", seed));
        if (password == null) {
          password = passwordOf(seed);
        }
      }
      this.cluster = List.copyOf(uris);
      return this;
    }

    /**
     * Replicas that must have each batch (Redis {@code WAIT}, one per batch and node) before its events are
     * acknowledged; a WAIT that times out (three quarters of {@link #commandTimeout}) fails the publish with
     * UNAVAILABLE, reason REPLICATION_UNCONFIRMED. WAIT confirms the replicas received the write, not that they
     * wrote it to disk. Default 0: acknowledged once the master ran the script.
     */
    public Builder waitReplicas(int replicas) {
      if (replicas < 0 || replicas > 16) {
        throw new IllegalArgumentException("waitReplicas: " + replicas + " (expected: 0 to 16)");
      }
      this.waitReplicas = replicas;
      return this;
    }

    /**
     * Prefix of every Redis key this broker writes ({@code PREFIX:{topic}:m} and {@code PREFIX:{topic}:s}); server
     * instances that share topics use the same one. Default {@code streamkit}.
     */
    public Builder keyPrefix(String prefix) {
      if (prefix == null || prefix.isEmpty() || prefix.contains("{") || prefix.contains("}")) {
        throw new IllegalArgumentException(
            "keyPrefix: '" + prefix + "' (expected: a non-empty string without '{' or '}')");
      }
      this.keyPrefix = prefix;
      return this;
    }

    /** All three per-topic limits at once; see {@link TopicLimits}. Default {@link TopicLimits#DEFAULTS}. */
    public Builder limits(TopicLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits: null (expected: a TopicLimits)");
      return this;
    }

    /** Events retained per topic (XADD MAXLEN, exact). Default 10,000. */
    public Builder historyMaxEvents(int events) {
      limits = limits.withHistoryMaxEvents(events);
      return this;
    }

    /** Oldest event age retained; an idle topic's keys live a minute longer. Default 1 hour. */
    public Builder historyMaxAge(Duration age) {
      limits = limits.withHistoryMaxAge(age);
      return this;
    }

    /** How many events published since it subscribed a subscriber may be behind. Default 10,000. */
    public Builder maxSubscriberLag(long events) {
      limits = limits.withMaxSubscriberLag(events);
      return this;
    }

    /** How long a publish waits for Redis before failing with UNAVAILABLE; also the connect timeout. Default 5 s. */
    public Builder commandTimeout(Duration timeout) {
      if (timeout == null || timeout.toMillis() <= 0) {
        throw new IllegalArgumentException(
            "commandTimeout: " + timeout + " (expected: a duration of at least 1 ms)");
      }
      this.commandTimeout = timeout;
      return this;
    }

    /**
     * Creates the broker and starts its reader, waiting up to the command timeout for the first connection so
     * that a server started with it usually reports SERVING at once. Redis need not be reachable: the broker
     * keeps trying, and reports UNAVAILABLE meanwhile. But a Redis that answers and refuses the credentials (a
     * wrong or missing password) or whose TLS certificate is not trusted will not heal by waiting: build fails
     * then.
     *
     * @throws IllegalArgumentException naming {@code uri} (the password shown as {@code ****}) when Redis refused
     *     the credentials or the TLS handshake failed
     */
    public RedisBroker build() {
      RedisBroker broker = new RedisBroker(this);
      try {
        broker.checkAccess(cluster == null ? uri : cluster.get(0));
      } catch (IllegalArgumentException e) {
        broker.close();
        throw e;
      }
      return broker;
    }
  }
}
