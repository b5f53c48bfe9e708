package io.streamkit.client;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a blocking {@link Subscription} resumes and what it does on a gap or reset; for
 * {@link StreamKitClient#subscribe(java.util.List, SubscribeOptions)}.
 *
 * <p>By default a subscription's loop survives everything it can: it resumes after lost connections and server
 * restarts (the client's {@link ReconnectPolicy}), and a gap or reset is logged (WARN, logger
 * {@code io.streamkit.client.internal.ResumingSubscription}) and the loop goes on with the event that follows it.
 * Give {@link Builder#onDiscontinuity} to handle them in the loop's own thread instead, and
 * {@link Builder#stopOnDiscontinuity()} for a strict loop that must stop on any loss.
 *
 * <p>Immutable and thread-safe; one value may serve any number of subscriptions.
 */
public final class SubscribeOptions {
  private static final SubscribeOptions DEFAULTS = builder().build();

  private final ReconnectPolicy reconnectPolicy; // null: the client's
  private final Consumer<SubscriptionGapException> onDiscontinuity; // null: log
  private final boolean stopOnDiscontinuity;

  private SubscribeOptions(Builder b) {
    this.reconnectPolicy = b.reconnectPolicy;
    this.onDiscontinuity = b.onDiscontinuity;
    this.stopOnDiscontinuity = b.stopOnDiscontinuity;
  }

  /** The defaults: the client's reconnect policy; gaps and resets logged, and the loop goes on. */
  public static SubscribeOptions defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The reconnect policy, or {@code null} for the client's. */
  public ReconnectPolicy reconnectPolicy() {
    return reconnectPolicy;
  }

  /** What receives each gap or reset, or {@code null} when they are logged. */
  public Consumer<SubscriptionGapException> onDiscontinuity() {
    return onDiscontinuity;
  }

  /** Whether {@code next()} and {@code hasNext()} throw each gap or reset. */
  public boolean stopOnDiscontinuity() {
    return stopOnDiscontinuity;
  }

  @Override
  public String toString() {
    return "SubscribeOptions{reconnectPolicy=" + (reconnectPolicy == null ? "the client's" : reconnectPolicy)
        + ", onDiscontinuity=" + (onDiscontinuity == null ? "log" : onDiscontinuity)
        + ", stopOnDiscontinuity=" + stopOnDiscontinuity + "}";
  }

  /** Collects the options; setters validate at once. Thread-compatible; reusable. */
  public static final class Builder {
    private ReconnectPolicy reconnectPolicy;
    private Consumer<SubscriptionGapException> onDiscontinuity;
    private boolean stopOnDiscontinuity;

    private Builder() {}

    /** How this subscription resumes. Default: the client's {@link StreamKitClient.Builder#reconnectPolicy}. */
    public Builder reconnectPolicy(ReconnectPolicy policy) {
      this.reconnectPolicy = Objects.requireNonNull(policy, "reconnectPolicy: null (expected: a ReconnectPolicy)");
      return this;
    }

    /**
     * Receives each gap or reset on the thread that called {@code next()} or {@code hasNext()}, right before that
     * call returns the event that follows it (so a loop sees it in order). If the consumer throws, the exception
     * propagates from that call and the next call returns the event. Default: log at WARN.
     */
    public Builder onDiscontinuity(Consumer<SubscriptionGapException> consumer) {
      this.onDiscontinuity =
          Objects.requireNonNull(consumer, "onDiscontinuity: null (expected: a Consumer<SubscriptionGapException>)");
      return this;
    }

    /**
     * Strict mode: {@code next()} and {@code hasNext()} throw each gap or reset as {@link SubscriptionGapException}
     * (after the {@link #onDiscontinuity} consumer, if any, saw it), so a for-each loop stops on any loss; the next
     * call continues with the event that followed it. Default: off, the loop goes on.
     */
    public Builder stopOnDiscontinuity() {
      this.stopOnDiscontinuity = true;
      return this;
    }

    /** The options; a copy of this builder's settings. */
    public SubscribeOptions build() {
      return new SubscribeOptions(this);
    }
  }
}
