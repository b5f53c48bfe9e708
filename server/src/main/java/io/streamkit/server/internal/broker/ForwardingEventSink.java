package io.streamkit.server.internal.broker;

import io.grpc.Status;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.TopicEvent;
import java.util.concurrent.Executor;

/**
 * An {@link EventSink} that forwards every method of the SPI, default methods included, to its {@link #delegate()}
 * (the subscriber's sink): the base of the sinks a broker decorator puts between the broker and the subscriber
 * (tracing's deliver spans, {@link ObservedSubscription}), each of which overrides only what it adds to. In
 * particular {@link #offer} forwards to the delegate's own {@code offer}, never to {@code isReady} then
 * {@code onEvent}, so a sink that takes its lock once per offer still does behind a decorator.
 *
 * <p>Threading: as for any sink, the broker serializes one subscription's callbacks and none may block; this class
 * adds no state, no locking and no allocation, and calls the delegate on the broker's thread. Ownership: the
 * subscriber's sink stays the subscriber's; this wraps it for one subscription and is dropped with it.
 */
public abstract class ForwardingEventSink implements EventSink {
  private final EventSink delegate;

  /** @param delegate the subscriber's sink, which every callback not overridden goes to */
  protected ForwardingEventSink(EventSink delegate) {
    this.delegate = delegate;
  }

  /** The sink this one forwards to. */
  protected final EventSink delegate() {
    return delegate;
  }

  @Override
  public boolean isReady() {
    return delegate.isReady();
  }

  @Override
  public void onEvent(TopicEvent event) {
    delegate.onEvent(event);
  }

  @Override
  public boolean offer(TopicEvent event) {
    return delegate.offer(event);
  }

  @Override
  public Executor executor() {
    return delegate.executor();
  }

  @Override
  public void onEnd(Status status) {
    delegate.onEnd(status);
  }
}
