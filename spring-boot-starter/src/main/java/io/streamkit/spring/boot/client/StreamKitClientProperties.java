package io.streamkit.spring.boot.client;

import io.streamkit.client.ClientTls;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.spring.boot.internal.PropertyErrors;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code streamkit.client.*} properties: one per {@link StreamKitClient.Builder} option, named after it in
 * kebab case. A property left unset keeps the builder's default (documented on its setter), so defaults live in
 * one place. Durations and sizes use Spring Boot's syntax ({@code 500ms}, {@code 30s}, {@code 4MB}, where Boot's
 * {@code MB} is 1024 * 1024 bytes).
 *
 * <p>Adding an option: a component here and one line in {@code applyTo}; its javadoc {@code @param} becomes the
 * property's description in the IDE.
 *
 * <p>Immutable; bound once at start-up.
 *
 * @param target the server's host:port; the client bean exists only when this is set
 * @param tls TLS to the server: streamkit.client.tls.*
 * @param bearerToken a token sent as an "authorization: Bearer" header with every call; use it with TLS
 * @param defaultDeadline the deadline of each request/reply call that gives none (default 30s)
 * @param streamDeadline a deadline for every bidi and publish stream (default none: long-lived streams are healthy)
 * @param streamStartTimeout how long a new stream may wait to start before it fails (default 10s)
 * @param keepaliveTime ping the server after this long without traffic (default 60s); with keepalive-timeout
 * @param keepaliveTimeout close the connection when a ping gets no answer within this (default 20s)
 * @param maxInboundMessageSize the largest inbound message (default 4MB)
 * @param maxQueuedBytes the outbound bytes a callback stream buffers while the server cannot take more (default 4MB)
 * @param compression outbound compression: gzip or identity (default identity)
 * @param userAgent prefixed to the User-Agent of every call
 * @param reconnect how subscriptions reconnect: streamkit.client.reconnect.*
 */
@ConfigurationProperties("streamkit.client")
public record StreamKitClientProperties(
    String target,
    @DefaultValue Tls tls,
    String bearerToken,
    Duration defaultDeadline,
    Duration streamDeadline,
    Duration streamStartTimeout,
    Duration keepaliveTime,
    Duration keepaliveTimeout,
    DataSize maxInboundMessageSize,
    DataSize maxQueuedBytes,
    String compression,
    String userAgent,
    @DefaultValue Reconnect reconnect) {

  private static final String PREFIX = "streamkit.client.";

  /**
   * {@code streamkit.client.tls.*}. TLS is on when {@code enabled} is true or any file is given.
   *
   * @param enabled connect with TLS, trusting the JVM's trust store unless {@code trusted-ca} is given
   * @param trustedCa PEM file of the CAs that sign the server's certificate, e.g. a private CA
   * @param certificateChain PEM client certificate chain, for mutual TLS (with {@code private-key})
   * @param privateKey the client certificate's unencrypted PKCS#8 PEM key
   */
  public record Tls(boolean enabled, Path trustedCa, Path certificateChain, Path privateKey) {
    boolean on() {
      return enabled || trustedCa != null || certificateChain != null || privateKey != null;
    }
  }

  /**
   * {@code streamkit.client.reconnect.*}: the client's {@link ReconnectPolicy}; unset values keep its defaults.
   *
   * @param initialDelay the delay before the first attempt (default 100ms)
   * @param maxDelay the longest delay between attempts (default 5s)
   * @param multiplier how much each delay grows over the one before (default 2)
   * @param jitter the random spread of each delay, a fraction of it (default 0.2)
   * @param maxAttempts the most attempts in a row; 0 disables reconnecting (default unlimited)
   */
  public record Reconnect(Duration initialDelay, Duration maxDelay, Double multiplier, Double jitter,
      Integer maxAttempts) {
    boolean any() {
      return initialDelay != null || maxDelay != null || multiplier != null || jitter != null || maxAttempts != null;
    }
  }

  /** Sets every property that is set on {@code b}; a rejected value fails naming the property. */
  void applyTo(StreamKitClient.Builder b) {
    PropertyErrors.apply(PREFIX + "target", target, () -> b.target(target));
    if (tls.on()) {
      b.tls(clientTls());
    }
    // The token itself never goes into a message: the builder's complaint does not print it either.
    if (bearerToken != null) {
      PropertyErrors.apply(PREFIX + "bearer-token", "(hidden)", () -> b.bearerToken(bearerToken));
    }
    PropertyErrors.apply(PREFIX + "default-deadline", defaultDeadline, () -> b.defaultDeadline(defaultDeadline));
    PropertyErrors.apply(PREFIX + "stream-deadline", streamDeadline, () -> b.streamDeadline(streamDeadline));
    PropertyErrors.apply(PREFIX + "stream-start-timeout", streamStartTimeout,
        () -> b.streamStartTimeout(streamStartTimeout));
    if (keepaliveTime != null || keepaliveTimeout != null) {
      if (keepaliveTime == null || keepaliveTimeout == null) {
        throw new IllegalArgumentException(PREFIX + "keepalive-time and " + PREFIX + "keepalive-timeout: only one "
            + "is set (expected: both, the client sets them together)");
      }
      PropertyErrors.apply(PREFIX + "keepalive-time", keepaliveTime + "/" + keepaliveTimeout,
          () -> b.keepAlive(keepaliveTime, keepaliveTimeout));
    }
    PropertyErrors.apply(PREFIX + "max-inbound-message-size", maxInboundMessageSize,
        () -> b.maxInboundMessageSize(Math.toIntExact(maxInboundMessageSize.toBytes())));
    PropertyErrors.apply(PREFIX + "max-queued-bytes", maxQueuedBytes, () -> b.maxQueuedBytes(maxQueuedBytes.toBytes()));
    PropertyErrors.apply(PREFIX + "compression", compression, () -> b.compression(compression));
    PropertyErrors.apply(PREFIX + "user-agent", userAgent, () -> b.userAgent(userAgent));
    if (reconnect.any()) {
      b.reconnectPolicy(reconnectPolicy());
    }
  }

  private ClientTls clientTls() {
    ClientTls[] built = {ClientTls.systemTrust()};
    PropertyErrors.apply(PREFIX + "tls.trusted-ca", tls.trustedCa(),
        () -> built[0] = ClientTls.trustingCa(tls.trustedCa()));
    if (tls.certificateChain() != null || tls.privateKey() != null) {
      if (tls.certificateChain() == null || tls.privateKey() == null) {
        throw new IllegalArgumentException(PREFIX + "tls.certificate-chain and " + PREFIX + "tls.private-key: "
            + "only one is set (expected: both, for mutual TLS)");
      }
      PropertyErrors.apply(PREFIX + "tls.certificate-chain", tls.certificateChain(),
          () -> built[0] = built[0].withClientCertificate(tls.certificateChain(), tls.privateKey()));
    }
    return built[0];
  }

  private ReconnectPolicy reconnectPolicy() {
    ReconnectPolicy.Builder r = ReconnectPolicy.builder();
    String p = PREFIX + "reconnect.";
    PropertyErrors.apply(p + "initial-delay", reconnect.initialDelay(), () -> r.initialDelay(reconnect.initialDelay()));
    PropertyErrors.apply(p + "max-delay", reconnect.maxDelay(), () -> r.maxDelay(reconnect.maxDelay()));
    PropertyErrors.apply(p + "multiplier", reconnect.multiplier(), () -> r.multiplier(reconnect.multiplier()));
    PropertyErrors.apply(p + "jitter", reconnect.jitter(), () -> r.jitter(reconnect.jitter()));
    PropertyErrors.apply(p + "max-attempts", reconnect.maxAttempts(), () -> r.maxAttempts(reconnect.maxAttempts()));
    return r.build();
  }
}
