package io.streamkit.server.app;

import io.streamkit.server.StreamKitServer;
import io.streamkit.server.broker.TopicLimits;
import io.streamkit.server.broker.redis.RedisBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The {@code --broker} option group: where topics live. {@code memory} (the default) keeps them in this process;
 * {@code redis} shares them with every server instance that uses the same Redis and key prefix, {@code redis-cluster}
 * the same through a Redis Cluster. The history
 * options ({@code --history-max-events}, {@code --history-max-age}, {@code --max-subscriber-lag}) apply to both.
 */
final class BrokerOptions {
  @Option(
      names = "--broker",
      defaultValue = "memory",
      description = "Where topics live: memory (this process only), redis (shared by every instance on one Redis) or redis-cluster (shared through a Redis Cluster) (default: ${DEFAULT-VALUE}).")
  String broker;

  @Option(
      names = "--redis-uri",
      defaultValue = "redis://127.0.0.1:6379",
      description = "The Redis of --broker redis: redis://[:PASSWORD@]HOST:PORT, or rediss://... for TLS; with --broker redis-cluster some of the cluster's nodes, comma-separated (redis://HOST:PORT,redis://HOST:PORT); a password in it is never printed (default: redis://127.0.0.1:6379).")
  String redisUri;

  @Option(
      names = "--redis-ca",
      paramLabel = "FILE",
      description = "With a rediss:// --redis-uri: PEM file of the CA certificates Redis's certificate must chain to (default: the JVM's trust store).")
  Path redisCa;

  @Option(
      names = "--redis-wait-replicas",
      defaultValue = "0",
      description = "With --broker redis or redis-cluster: replicas that must confirm each batch (Redis WAIT, timeout three quarters of --redis-timeout) before its events are acknowledged; 0 acknowledges once the master stored them (default: ${DEFAULT-VALUE}).")
  int redisWaitReplicas;

  @Option(
      names = "--redis-key-prefix",
      defaultValue = "streamkit",
      description = "With --broker redis: prefix of every key written; instances sharing topics use the same one (default: ${DEFAULT-VALUE}).")
  String redisKeyPrefix;

  @Option(
      names = "--redis-timeout",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "With --broker redis: how long a publish waits for Redis before failing with UNAVAILABLE; also the connect timeout (default: ${DEFAULT-VALUE}).")
  Duration redisTimeout;

  @Option(names = "--history-max-events", defaultValue = "10000", description = "Events retained per topic for replay (default: ${DEFAULT-VALUE}).")
  int historyMaxEvents;

  @Option(
      names = "--history-max-age",
      defaultValue = "1h",
      converter = DurationConverter.class,
      description = "Retained events older than this are dropped (default: ${DEFAULT-VALUE}).")
  Duration historyMaxAge;

  @Option(
      names = "--max-subscriber-lag",
      defaultValue = "10000",
      description = "Events a subscriber may fall behind before it is ended with RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
  long maxSubscriberLag;

  /**
   * Gives {@code builder} the chosen broker. Returns what to run once the server has stopped: closing the broker
   * this created (nothing for {@code memory}, which the server owns).
   */
  Runnable apply(StreamKitServer.Builder builder) {
    TopicLimits limits = limits();
    ServerMain.option("--broker", broker, () -> {
      if (!broker.equals("memory") && !broker.equals("redis") && !broker.equals("redis-cluster")) {
        throw new IllegalArgumentException("expected: memory, redis or redis-cluster");
      }
    });
    if (broker.equals("memory")) {
      builder.inMemoryBroker(b -> b.limits(limits));
      return () -> {};
    }
    RedisBroker.Builder b = RedisBroker.builder()
        .limits(limits);
    // The URI may hold a password: errors show it redacted.
    String shownUri = RedisBroker.redact(redisUri);
    if (broker.equals("redis-cluster")) {
      List<String> seeds = Arrays.stream(redisUri.split(",")).map(String::trim).filter(u -> !u.isEmpty()).toList();
      ServerMain.option("--redis-uri", shownUri, () -> {
        for (String seed : seeds) {
          checkUri("seed '" + RedisBroker.redact(seed) + "': ", seed);
        }
        b.cluster(seeds);
      });
    } else {
      ServerMain.option("--redis-uri", shownUri, () -> {
        checkUri("", redisUri);
        b.uri(redisUri);
      });
    }
    ServerMain.option("--redis-wait-replicas", redisWaitReplicas, () -> b.waitReplicas(redisWaitReplicas));
    ServerMain.option("--redis-key-prefix", redisKeyPrefix, () -> b.keyPrefix(redisKeyPrefix));
    ServerMain.option("--redis-timeout", redisTimeout, () -> b.commandTimeout(redisTimeout));
    if (redisCa != null) {
      ServerMain.option("--redis-ca", redisCa, () -> b.trustedCa(redisCa));
    }
    RedisBroker[] built = new RedisBroker[1];
    // Redis refusing the password, or its certificate, stops start-up naming --redis-uri.
    ServerMain.option("--redis-uri", shownUri, () -> built[0] = b.build());
    RedisBroker redis = built[0];
    builder.broker(redis);
    return redis::close;
  }

  /** Throws {@link IllegalArgumentException} ({@code prefix} and the problem) when {@link #uriProblem} finds one. */
  private static void checkUri(String prefix, String uri) {
    String problem = uriProblem(uri);
    if (problem != null) {
      throw new IllegalArgumentException(prefix + problem);
    }
  }

  /**
   * What is wrong with one Redis URI's text, or null: Lettuce takes {@code redis://host:notaport} as host
   * {@code host:notaport} on port 6379 and {@code redis://host:0} as port 6379, so such a typo would only show as
   * a broker retrying for ever. Checked here: the scheme ({@code redis} or {@code rediss}), a host, and a port, if
   * given, of 1 to 65535. Never quotes the user-info part, which may hold the password.
   */
  private static String uriProblem(String uri) {
    int schemeEnd = uri.indexOf("://");
    if (schemeEnd < 0) {
      return "no scheme (expected: redis://HOST:PORT or rediss://HOST:PORT, e.g. redis://127.0.0.1:6379)";
    }
    String scheme = uri.substring(0, schemeEnd);
    if (!scheme.equals("redis") && !scheme.equals("rediss")) {
      return "unknown scheme '" + scheme + "' (expected: redis://HOST:PORT or rediss://HOST:PORT)";
    }
    String rest = uri.substring(schemeEnd + 3);
    String hostPort = rest.substring(rest.lastIndexOf('@') + 1); // after the user info, password and all
    int pathStart = indexOfAny(hostPort, "/?#");
    if (pathStart >= 0) {
      hostPort = hostPort.substring(0, pathStart);
    }
    int hostEnd = 0; // an IPv6 address is in brackets, its colons before the port's
    if (hostPort.startsWith("[")) {
      hostEnd = hostPort.indexOf(']');
      if (hostEnd < 0) {
        return "host '" + hostPort + "' has no closing ']' (expected: " + scheme + "://[IPV6]:PORT)";
      }
    }
    int portColon = hostPort.indexOf(':', hostEnd);
    String host = portColon < 0 ? hostPort : hostPort.substring(0, portColon);
    if (host.isEmpty() || host.equals("[]")) {
      return "no host (expected: " + scheme + "://HOST:PORT, e.g. " + scheme + "://127.0.0.1:6379)";
    }
    if (portColon >= 0) {
      String port = hostPort.substring(portColon + 1);
      if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
        return "port '" + port + "' of host '" + host + "' is not a number 1-65535";
      }
    }
    return null;
  }

  private static int indexOfAny(String text, String chars) {
    for (int i = 0; i < text.length(); i++) {
      if (chars.indexOf(text.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** The history and lag options as the broker's limits, each checked and named as the user wrote it. */
  private TopicLimits limits() {
    TopicLimits[] limits = {TopicLimits.DEFAULTS};
    ServerMain.option("--history-max-events", historyMaxEvents,
        () -> limits[0] = limits[0].withHistoryMaxEvents(historyMaxEvents));
    ServerMain.option("--history-max-age", historyMaxAge,
        () -> limits[0] = limits[0].withHistoryMaxAge(historyMaxAge));
    ServerMain.option("--max-subscriber-lag", maxSubscriberLag,
        () -> limits[0] = limits[0].withMaxSubscriberLag(maxSubscriberLag));
    return limits[0];
  }
}
