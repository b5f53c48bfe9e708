package io.streamkit.server.internal.broker;

import io.grpc.Status;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.TopicEvent;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One subscription as a broker decorator sees it (metrics, the web console's topic directory): the sink the
 * delegate broker delivers to, a {@link ForwardingEventSink} to the subscriber's sink, and the handle the caller
 * cancels, which forwards to the delegate's subscription. A subclass hears each event the subscriber took
 * ({@link #delivered}) and, exactly once, that the subscription is over ({@link #released}).
 *
 * <p>Why one class: the decorators had each written their release-once bookkeeping, and a wrapper that forgets a
 * method (an {@code offer} that bypasses the count, a {@code cancel} that never releases) is the bug the SPI
 * decorator test exists for.
 *
 * <p>Threading: sink callbacks come from the delegate broker, serialized per subscription (so {@link #delivered}
 * may use plain fields); {@code resume} and {@code cancel} may come from any thread; {@link #released} runs on
 * whichever thread ends the subscription first. Events may arrive before {@link #subscribeThrough} returned.
 */
public abstract class ObservedSubscription extends ForwardingEventSink implements BrokerSubscription {
  private final AtomicBoolean released = new AtomicBoolean();
  /** Set once the delegate's subscribe returned. */
  private volatile BrokerSubscription subscription;

  protected ObservedSubscription(EventSink sink) {
    super(sink);
  }

  /**
   * Subscribes this through {@code delegate} and returns it as the caller's handle; if the delegate refuses,
   * releases it and rethrows.
   */
  public final BrokerSubscription subscribeThrough(Broker delegate, String topic, Position position) {
    try {
      subscription = delegate.subscribe(topic, position, this);
    } catch (RuntimeException e) {
      release();
      throw e;
    }
    return this;
  }

  /** The subscriber took {@code event}; called after the subscriber's sink accepted it, never for a refused offer. */
  protected abstract void delivered(TopicEvent event);

  /** The subscription ended or was cancelled, or the delegate refused it; called once. */
  protected abstract void released();

  @Override
  public final void onEvent(TopicEvent event) {
    super.onEvent(event);
    delivered(event);
  }

  /** The sink's own offer (one lock for the readiness check and the send); a refused offer is not delivered. */
  @Override
  public final boolean offer(TopicEvent event) {
    if (!super.offer(event)) {
      return false;
    }
    delivered(event);
    return true;
  }

  @Override
  public void onEnd(Status status) {
    release();
    super.onEnd(status);
  }

  @Override
  public final void resume() {
    BrokerSubscription s = subscription;
    if (s != null) {
      s.resume();
    }
  }

  @Override
  public final void cancel() {
    BrokerSubscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    release();
  }

  private void release() {
    if (released.compareAndSet(false, true)) {
      released();
    }
  }
}
