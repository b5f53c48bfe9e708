package io.streamkit.server.broker;

import io.grpc.Status;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * A recording fake of {@link EventSink} for broker tests: ready while {@link #ready} is set, names the executor it
 * was given (none by default), and records the events, the ends and the threads it was delivered on.
 */
public class RecordingSink implements EventSink {
  public final List<TopicEvent> events = new CopyOnWriteArrayList<>();
  public final List<Status> ends = new CopyOnWriteArrayList<>();
  public final Set<String> threads = ConcurrentHashMap.newKeySet();
  public volatile boolean ready = true;
  private final Executor executor;

  public RecordingSink() {
    this(null);
  }

  public RecordingSink(Executor executor) {
    this.executor = executor;
  }

  @Override
  public boolean isReady() {
    return ready;
  }

  @Override
  public void onEvent(TopicEvent event) {
    threads.add(Thread.currentThread().getName());
    events.add(event);
  }

  @Override
  public void onEnd(Status status) {
    ends.add(status);
  }

  @Override
  public Executor executor() {
    return executor;
  }

  public List<Long> offsets() {
    return events.stream().map(TopicEvent::offset).toList();
  }

  public List<String> payloads() {
    return events.stream().map(e -> e.event().getPayload().toStringUtf8()).toList();
  }
}
