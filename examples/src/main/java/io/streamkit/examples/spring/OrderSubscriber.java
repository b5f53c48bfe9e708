package io.streamkit.examples.spring;

import io.streamkit.api.v1.Event;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.SubscriptionHandle;
import io.streamkit.client.SubscriptionListener;
import io.streamkit.client.TopicStart;
import io.streamkit.spring.boot.server.StreamKitServerLifecycle;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Subscribes to the topic {@code orders} with the auto-configured {@link StreamKitClient} while the application runs
 * and hands each event to the kitchen (here: prints it and keeps it for whoever waits for orders). A
 * {@link SmartLifecycle} one phase after the embedded server's: it subscribes once the server listens and cancels
 * before the server drains. Callbacks run on the client's callback threads, serialized.
 */
@Component
public final class OrderSubscriber implements SmartLifecycle {
  private final StreamKitClient client;
  private final Consumer<String> out;
  private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
  private volatile SubscriptionHandle subscription;

  public OrderSubscriber(StreamKitClient client, OrderOutput out) {
    this.client = client;
    this.out = out;
  }

  @Override
  public void start() {
    subscription = client.subscribe(List.of(TopicStart.oldest(OrderHandler.TOPIC)), new SubscriptionListener() {
      @Override
      public void onEvent(Event event) {
        String order = event.getPayload().toStringUtf8();
        out.accept("kitchen: order #" + event.getOffset() + " received: " + order);
        received.add(order);
      }

      @Override
      public void onError(StreamKitException error) {
        out.accept("kitchen: subscription ended: " + error.getMessage());
      }
    });
  }

  @Override
  public void stop() {
    SubscriptionHandle s = subscription;
    if (s != null) {
      s.cancel();
    }
    subscription = null;
  }

  @Override
  public boolean isRunning() {
    return subscription != null;
  }

  /** Started after the server (a higher phase), stopped before it drains. */
  @Override
  public int getPhase() {
    return StreamKitServerLifecycle.PHASE + 1;
  }

  /** The orders received so far, in order; taking them waits for the next. */
  BlockingQueue<String> received() {
    return received;
  }
}
