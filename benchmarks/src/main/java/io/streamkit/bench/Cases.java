package io.streamkit.bench;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The cases {@code compare} runs, each with the figures it reports and their targets (issue 7; the Redis cases:
 * issue 13).
 */
final class Cases {
  private Cases() {}

  /** What a figure must reach: on the ratio StreamKit / baseline, or on StreamKit's own value. */
  record Target(String text, boolean onRatio, boolean atLeast, double bound) {
    static Target ratioAtLeast(double x) {
      return new Target(String.format(Locale.ROOT, ">= %.2fx", x), true, true, x);
    }

    static Target ratioAtMost(double x) {
      return new Target(String.format(Locale.ROOT, "<= %.2fx", x), true, false, x);
    }

    static Target atLeast(double x) {
      return new Target(">= " + Result.format(x), false, true, x);
    }

    static Target atMost(double x) {
      return new Target("<= " + Result.format(x), false, false, x);
    }

    boolean met(double streamkit, double ratio) {
      double v = onRatio ? ratio : streamkit;
      return atLeast ? v >= bound : v <= bound;
    }
  }

  record Figure(String name, Target target) {}

  /**
   * What a case compares. BASELINE: the StreamKit jar against the plain grpc-java baseline. The Redis setups:
   * StreamKit with {@code --broker redis} (a local redis-server with AOF everysec) against StreamKit in memory,
   * either on one instance, or publishing on instance A while the subscribers are on instance B.
   */
  enum Setup { BASELINE, REDIS_ONE_INSTANCE, REDIS_ACROSS_INSTANCES, REDIS_CLUSTER_ONE_INSTANCE }

  record Case(String name, String scenario, List<String> args, List<Figure> figures, boolean freshServers,
      Setup setup) {
    Case(String name, String scenario, List<String> args, List<Figure> figures) {
      this(name, scenario, args, figures, false, Setup.BASELINE);
    }

    Case(String name, String scenario, List<String> args, List<Figure> figures, boolean freshServers) {
      this(name, scenario, args, figures, freshServers, Setup.BASELINE);
    }

    Case(String name, String scenario, List<String> args, List<Figure> figures, Setup setup) {
      this(name, scenario, args, figures, false, setup);
    }
  }

  private static Figure f(String name) {
    return new Figure(name, null);
  }

  private static Figure f(String name, Target t) {
    return new Figure(name, t);
  }

  /** Issue 13's ingest shape: 4 Publish streams, batches of 500 events of 64 B, over 8 topics. */
  private static final List<String> INGEST =
      List.of("--streams", "4", "--batch", "500", "--payload", "64", "--topics", "8", "--connections", "4");

  static final List<Case> ALL = List.of(
      new Case("bidi-greeter", "bidi-throughput",
          List.of("--service", "greeter", "--streams", "8", "--window", "64", "--payload", "32", "--connections", "4"),
          List.of(f("msgs_per_s", Target.ratioAtLeast(0.95)), f("server_cpu_us_per_op"), f("p50_us"), f("p99_us"))),
      new Case("bidi-chat-echo", "bidi-throughput",
          List.of("--service", "chat", "--streams", "8", "--window", "64", "--payload", "32", "--connections", "4"),
          List.of(f("msgs_per_s", Target.ratioAtLeast(0.95)), f("server_cpu_us_per_op"), f("p50_us"), f("p99_us"))),
      new Case("ping-pong", "ping-pong",
          List.of("--service", "chat", "--streams", "1", "--window", "1", "--payload", "32"),
          List.of(f("p50_us", Target.ratioAtMost(1.1)), f("p90_us"), f("p99_us"), f("p999_us"), f("msgs_per_s"), f("server_cpu_us_per_op"))),
      new Case("fanout-1k", "fanout",
          List.of("--subscribers", "1000", "--connections", "4", "--payload", "256"),
          List.of(f("deliveries_per_s", Target.ratioAtLeast(1.5)), f("server_cpu_us_per_op"), f("every_offset_delivered", Target.atLeast(1)),
              f("p50_us"), f("p99_us"))),
      new Case("fanout-10k", "fanout",
          List.of("--subscribers", "10000", "--connections", "4", "--payload", "256"),
          List.of(f("deliveries_per_s", Target.ratioAtLeast(1.5)), f("server_cpu_us_per_op"), f("every_offset_delivered", Target.atLeast(1)),
              f("p50_us"), f("p99_us"))),
      new Case("server-stream-1", "server-stream", List.of("--streams", "1", "--payload", "32"),
          List.of(f("events_per_s"), f("server_cpu_us_per_op"))),
      new Case("server-stream-8", "server-stream", List.of("--streams", "8", "--payload", "32"),
          List.of(f("events_per_s"), f("server_cpu_us_per_op"))),
      new Case("ingest", "ingest", INGEST,
          List.of(f("events_per_s"), f("server_cpu_us_per_op"), f("ack_p50_us"), f("ack_p99_us"))),
      new Case("ingest-redis", "ingest", INGEST,
          List.of(f("events_per_s", Target.ratioAtLeast(0.5)), f("events_per_s", Target.atLeast(50_000)),
              f("server_cpu_us_per_op"), f("ack_p50_us"), f("ack_p99_us")), Setup.REDIS_ONE_INSTANCE),
      new Case("ingest-redis-cluster", "ingest", INGEST,
          List.of(f("events_per_s"), f("server_cpu_us_per_op"), f("ack_p50_us"), f("ack_p99_us")),
          Setup.REDIS_CLUSTER_ONE_INSTANCE),
      new Case("fanout-1k-redis", "fanout",
          List.of("--subscribers", "1000", "--connections", "4", "--payload", "256"),
          List.of(f("deliveries_per_s", Target.ratioAtLeast(0.7)), f("server_cpu_us_per_op"),
              f("every_offset_delivered", Target.atLeast(1)), f("p50_us"), f("p99_us")),
          Setup.REDIS_ACROSS_INSTANCES),
      new Case("latency-redis", "fanout",
          List.of("--subscribers", "10", "--connections", "2", "--payload", "64", "--rate", "1000"),
          List.of(f("p99_us", Target.atMost(5_000)), f("p50_us"), f("broker_to_subscriber_p50_us"),
              f("broker_to_subscriber_p99_us"), f("deliveries_per_s"), f("every_offset_delivered", Target.atLeast(1))),
          Setup.REDIS_ACROSS_INSTANCES),
      new Case("large-64KiB", "large",
          List.of("--service", "chat", "--streams", "1", "--window", "2", "--payload", "65536"),
          List.of(f("mb_per_s", Target.ratioAtLeast(0.95)), f("server_cpu_us_per_op"), f("p50_us"))),
      new Case("large-1MiB", "large",
          List.of("--service", "chat", "--streams", "1", "--window", "2", "--payload", "1048576"),
          List.of(f("mb_per_s", Target.ratioAtLeast(0.95)), f("server_cpu_us_per_op"), f("p50_us"))),
      new Case("idle-10k", "idle", List.of("--subscribers", "10000", "--connections", "4"),
          List.of(f("heap_per_stream_bytes", Target.atMost(4096)), f("rss_per_stream_bytes"), f("subscribers_failed"),
              f("client_heap_mib"), f("client_rss_mib")), true),
      // 10 connections: StreamKit lets 10,000 streams start per connection (--max-concurrent-streams).
      new Case("idle-100k", "idle", List.of("--subscribers", "100000", "--connections", "10"),
          List.of(f("heap_per_stream_bytes", Target.atMost(4096)), f("rss_per_stream_bytes"), f("subscribers_failed"),
              f("client_heap_mib"), f("client_rss_mib")), true),
      new Case("slow-consumer", "slow-consumer",
          List.of("--subscribers", "10", "--rate", "2000", "--payload", "4096", "--slow-rate", "10"),
          List.of(f("others_rate_ratio", Target.atLeast(0.9)), f("heap_growth_mib", Target.atMost(64)),
              f("rss_growth_mib"), f("others_rate_with"), f("slow_resubscribes")), true));

  static final String NAMES = ALL.stream().map(Case::name).collect(Collectors.joining(", "));
}
