package io.streamkit.bench;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** The load tool's knobs, shared by every scenario (each reads the ones it needs). Thread-compatible. */
final class LoadOptions {
  @Option(names = "--target", defaultValue = "localhost:9090", description = "host:port of the server under test (default: ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--publish-target", description = "host:port the publishers use, when not --target: publish on one "
      + "instance, subscribe on another (default: the --target).")
  String publishTarget;

  @Option(names = "--warmup", defaultValue = "3s", converter = DurationConverter.class, description = "Load before measuring (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--duration", defaultValue = "5s", converter = DurationConverter.class, description = "Measured time (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--connections", defaultValue = "4", description = "Client connections (HTTP/2 channels); streams are spread over them (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--max-streams-per-connection", defaultValue = "10000",
      description = "fanout, slow-consumer, idle: at most this many subscriber streams per connection; more "
          + "--connections are opened when --subscribers needs them. A stream beyond the server's "
          + "SETTINGS_MAX_CONCURRENT_STREAMS waits in the client and never starts. Default: StreamKit's "
          + "--max-concurrent-streams default (${DEFAULT-VALUE}).")
  int maxStreamsPerConnection;

  @Option(names = "--register-timeout", defaultValue = "60s", converter = DurationConverter.class,
      description = "idle: stop waiting for the subscriptions' first event after this long without one more "
          + "subscription receiving it; those still waiting count as failed (default: ${DEFAULT-VALUE}).")
  Duration registerTimeout;

  @Option(names = "--streams", defaultValue = "8", description = "Concurrent streams S (default: ${DEFAULT-VALUE}).")
  int streams;

  @Option(names = "--window", defaultValue = "64", description = "Messages in flight per stream W (default: ${DEFAULT-VALUE}).")
  int window;

  @Option(names = "--payload", defaultValue = "32", description = "Payload bytes B (default: ${DEFAULT-VALUE}).")
  int payload;

  @Option(names = "--service", defaultValue = "chat", description = "bidi target: greeter (example.Greeter/Chat) or chat (StreamService/Chat route echo) (default: ${DEFAULT-VALUE}).")
  String service;

  @Option(names = "--subscribers", defaultValue = "1000", description = "Subscriber streams N (default: ${DEFAULT-VALUE}).")
  int subscribers;

  @Option(names = "--rate", defaultValue = "0", description = "Events published per second; 0 = as fast as the subscribers take them (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--max-outstanding", defaultValue = "50000", description = "With --rate 0: deliveries published but not yet received, at most (default: ${DEFAULT-VALUE}).")
  int maxOutstanding;

  @Option(names = "--events", defaultValue = "10000", description = "server-stream: events published first and read again and again by each stream (default: ${DEFAULT-VALUE}).")
  int events;

  @Option(names = "--batch", defaultValue = "1000", description = "ingest: events per Publish call before half-close and ack (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--topics", defaultValue = "8", description = "ingest: topics every stream's events go to, in turn (default: ${DEFAULT-VALUE}).")
  int topics;

  @Option(names = "--slow-rate", defaultValue = "10", description = "slow-consumer: events per second the slow subscriber reads (default: ${DEFAULT-VALUE}).")
  int slowRate;

  @Option(names = "--server-pid", defaultValue = "0", description = "PID of a server on this machine, to read its heap with jcmd; 0 = do not (default: ${DEFAULT-VALUE}).")
  long serverPid;

  String host() {
    return target.substring(0, target.lastIndexOf(':'));
  }

  int port() {
    return Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
  }

  /**
   * Connections for {@code subscribers} subscriber streams: {@code --connections}, or more when that would put more
   * than {@code --max-streams-per-connection} streams on one.
   */
  int subscriberConnections() {
    if (maxStreamsPerConnection <= 0) {
      throw new IllegalArgumentException(
          "--max-streams-per-connection: " + maxStreamsPerConnection + " (expected: > 0)");
    }
    int needed = (int) ((subscribers + (long) maxStreamsPerConnection - 1) / maxStreamsPerConnection);
    return Math.max(connections, needed);
  }

  /** Where publishers connect: {@code --publish-target}, or {@code --target}. */
  String publishTargetOrTarget() {
    return publishTarget == null || publishTarget.isEmpty() ? target : publishTarget;
  }

  /** Accepts {@code 500ms}, {@code 5s}, {@code 2m}. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      switch (v.charAt(v.length() - 1)) {
        case 's': return Duration.ofSeconds(n);
        case 'm': return Duration.ofMinutes(n);
        default: throw new IllegalArgumentException("'" + value + "' (expected: a duration like 500ms, 5s or 2m)");
      }
    }
  }
}
