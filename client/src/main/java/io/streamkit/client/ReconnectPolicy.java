package io.streamkit.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * How a subscription resumes after a retryable failure, and how often the client tries its connection again while
 * it is {@link ConnectionState#RECONNECTING}: exponential backoff with jitter. The delay before attempt {@code n}
 * (1-based) is {@code min(maxDelay, initialDelay * multiplier^(n-1))}, randomly spread by {@code +-jitter}.
 *
 * <p>Retryable, decided by the server's {@link StreamKitException#reason() reason} when it sent one: the
 * connection was lost or refused (UNAVAILABLE), SERVER_SHUTTING_DOWN, SUBSCRIBER_TOO_SLOW, BROKER_UNAVAILABLE,
 * STREAM_IDLE, OUTBOUND_BUFFER_FULL. Never retried: TOPIC_INVALID and the other INVALID_ARGUMENT reasons,
 * UNAUTHENTICATED, PERMISSION_DENIED, and any status without a retryable reason other than UNAVAILABLE or an I/O
 * failure this client saw: the subscription ends with them.
 *
 * <p>Each attempt waits its delay; if the connection is then RECONNECTING, the attempt asks for a connect at once
 * (instead of waiting out gRPC's own backoff, which grows to 2 minutes) and subscribes the moment it is READY, or
 * counts as failed when the next attempt is due. So once the server is back, a subscription resumes within one
 * delay (at most {@code maxDelay * (1 + jitter)}: 6 s with the defaults) plus one connect. The attempt count goes
 * back to zero once the server registers the subscription again ({@link SubscriptionState#LIVE}).
 *
 * <p>Immutable value; thread-safe. Set on {@link StreamKitClient.Builder#reconnectPolicy(ReconnectPolicy)} (which
 * also paces the connection's retries) and overridable per subscription.
 */
public final class ReconnectPolicy {
  private static final ReconnectPolicy DISABLED = new ReconnectPolicy(builder().maxAttempts(0));

  private final Duration initialDelay;
  private final Duration maxDelay;
  private final double multiplier;
  private final double jitter;
  private final int maxAttempts; // 0 = never reconnect; Integer.MAX_VALUE = unlimited

  private ReconnectPolicy(Builder b) {
    this.initialDelay = b.initialDelay;
    this.maxDelay = b.maxDelay;
    this.multiplier = b.multiplier;
    this.jitter = b.jitter;
    this.maxAttempts = b.maxAttempts;
  }

  /** The default: 100 ms initial delay, 5 s max delay, multiplier 2, jitter 0.2, unlimited attempts. */
  public static ReconnectPolicy defaults() {
    return builder().build();
  }

  /**
   * Never resume: the first failure ends the subscription. On the client's builder it also leaves reconnecting the
   * connection to gRPC's own backoff.
   */
  public static ReconnectPolicy disabled() {
    return DISABLED;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The most reconnect attempts in a row; {@link Integer#MAX_VALUE} means unlimited, 0 disabled. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The delay before reconnect attempt {@code attempt} (1-based), in nanos; -1 if no attempt is left. */
  long delayNanos(int attempt) {
    return delayNanos(attempt, ThreadLocalRandom.current()::nextDouble);
  }

  /**
   * {@link #delayNanos(int)} with the random draw given: {@code random} returns a value in [0, 1), 0.5 meaning no
   * spread. The seam lets a test pin the jitter instead of sampling it.
   */
  long delayNanos(int attempt, DoubleSupplier random) {
    if (attempt > maxAttempts) {
      return -1;
    }
    double base = initialDelay.toNanos() * Math.pow(multiplier, attempt - 1);
    double capped = Math.min(maxDelay.toNanos(), base);
    double spread = 1 + jitter * (2 * random.getAsDouble() - 1);
    return Math.max(0, (long) (capped * spread));
  }

  @Override
  public String toString() {
    return "ReconnectPolicy{initialDelay=" + initialDelay + ", maxDelay=" + maxDelay + ", multiplier="
        + multiplier + ", jitter=" + jitter + ", maxAttempts=" + maxAttempts + "}";
  }

  /**
   * Collects the options of a {@link ReconnectPolicy}; setters validate at once. Thread-compatible;
   * reusable.
   */
  public static final class Builder {
    private Duration initialDelay = Duration.ofMillis(100);
    private Duration maxDelay = Duration.ofSeconds(5);
    private double multiplier = 2;
    private double jitter = 0.2;
    private int maxAttempts = Integer.MAX_VALUE;

    private Builder() {}

    /** The delay before the first attempt. Default: 100 ms. */
    public Builder initialDelay(Duration delay) {
      Objects.requireNonNull(delay, "initialDelay: null (expected: >= 0)");
      if (delay.isNegative()) {
        throw new IllegalArgumentException("initialDelay: " + delay + " (expected: >= 0)");
      }
      this.initialDelay = delay;
      return this;
    }

    /** The longest delay between attempts. Default: 5 s. */
    public Builder maxDelay(Duration delay) {
      StreamKitClient.Builder.checkPositive("maxDelay", delay);
      this.maxDelay = delay;
      return this;
    }

    /** How much each delay grows over the one before. Default: 2. */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException("multiplier: " + multiplier + " (expected: >= 1)");
      }
      this.multiplier = multiplier;
      return this;
    }

    /** The random spread of each delay, as a fraction of it. Default: 0.2 (+-20%). */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0 && jitter <= 1)) {
        throw new IllegalArgumentException("jitter: " + jitter + " (expected: 0 to 1)");
      }
      this.jitter = jitter;
      return this;
    }

    /** The most attempts in a row before giving up; 0 disables reconnecting. Default: unlimited. */
    public Builder maxAttempts(int attempts) {
      if (attempts < 0) {
        throw new IllegalArgumentException("maxAttempts: " + attempts + " (expected: >= 0)");
      }
      this.maxAttempts = attempts;
      return this;
    }

    /** The policy; a copy of the options. */
    public ReconnectPolicy build() {
      if (initialDelay.compareTo(maxDelay) > 0) {
        throw new IllegalStateException("initialDelay: " + initialDelay + " (expected: <= maxDelay " + maxDelay + ")");
      }
      return new ReconnectPolicy(this);
    }
  }
}
