package io.streamkit.server.internal.broker;

import com.google.protobuf.ByteString;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Published;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Broker} that forwards every method of the SPI, default methods included, to its {@link #delegate()}:
 * the base of the server's broker decorators (tracing, metrics, the web console's topic directory), each of which
 * overrides only what it changes. A method added to {@link Broker} is added here once, and every decorator forwards
 * it; {@code SpiDecoratorsTest} fails while it is not.
 *
 * <p>{@link #toString()} names the decorator's class around its delegate ({@code MeteredBroker{InMemoryBroker...}}),
 * so a chain of decorators reads from the outside in.
 *
 * <p>Threading: this class adds no state and no locking; each method runs on the caller's thread and is as
 * thread-safe as the delegate's and the subclass's overrides. Ownership: the decorator does not own its delegate
 * beyond forwarding; {@link #close()} closes the delegate because closing the outermost broker is how whoever
 * created the chain closes it.
 */
public abstract class ForwardingBroker implements Broker {
  private final Broker delegate;

  /** @param delegate the broker every call not overridden goes to; not null */
  protected ForwardingBroker(Broker delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The broker this one forwards to. */
  protected final Broker delegate() {
    return delegate;
  }

  @Override
  public CompletableFuture<Published> publish(String topic, ByteString payload, Map<String, String> headers) {
    return delegate.publish(topic, payload, headers);
  }

  @Override
  public BrokerSubscription subscribe(String topic, Position position, EventSink sink) {
    return delegate.subscribe(topic, position, sink);
  }

  @Override
  public void watchAvailability(AvailabilityListener listener) {
    delegate.watchAvailability(listener);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    String name = getClass().getSimpleName();
    return (name.isEmpty() ? getClass().getName() : name) + "{" + delegate + "}";
  }
}
