package io.streamkit.server.broker;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import java.time.Instant;
import java.util.Map;

/**
 * One stored event. Immutable and thread-safe. The wire form is encoded once, when the event is created, and
 * the same bytes are written to every subscriber stream.
 */
public final class TopicEvent {
  /** Headers a topic event carries when it reaches a Chat stream (see {@link #asChatMessage()}). */
  public static final String TOPIC_HEADER = "streamkit-topic";
  public static final String OFFSET_HEADER = "streamkit-offset";
  public static final String EPOCH_HEADER = "streamkit-epoch";

  private final Event event;
  private final byte[] wire;
  /** When the event was published, on this process's System.nanoTime() scale (see {@link #ageNanos()}). */
  private final long publishedNanoTime;
  private volatile Message chatMessage;

  private TopicEvent(Event event, long publishedNanoTime) {
    this.event = event;
    this.wire = event.toByteArray();
    this.publishedNanoTime = publishedNanoTime;
  }

  /** Creates the event and encodes it. */
  public static TopicEvent of(
      String topic, long offset, String epoch, ByteString payload, Map<String, String> headers, Instant at) {
    return new TopicEvent(Event.newBuilder()
        .setTopic(topic)
        .setOffset(offset)
        .setEpoch(epoch)
        .setPayload(payload)
        .putAllHeaders(headers)
        .setPublishedAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
        .build(), System.nanoTime());
  }

  /**
   * Wraps an event already decoded (for brokers that store the wire form themselves). Its publish time is taken
   * from {@code published_at} and this process's wall clock.
   */
  public static TopicEvent of(Event event) {
    Timestamp at = event.getPublishedAt();
    Instant now = Instant.now();
    long ageNanos = (now.getEpochSecond() - at.getSeconds()) * 1_000_000_000L + (now.getNano() - at.getNanos());
    // A publisher whose clock runs ahead of ours would give a negative age: count it as just published.
    return new TopicEvent(event, System.nanoTime() - Math.max(0, ageNanos));
  }

  public String topic() {
    return event.getTopic();
  }

  public long offset() {
    return event.getOffset();
  }

  public String epoch() {
    return event.getEpoch();
  }

  public Event event() {
    return event;
  }

  /**
   * Nanoseconds since the event was published, on this process's monotonic clock: for the publish-to-deliver
   * latency. For an event decoded from another process ({@link #of(Event)}) it is measured from
   * {@code published_at} with this process's wall clock, so clock skew between hosts shows in it.
   */
  public long ageNanos() {
    return System.nanoTime() - publishedNanoTime;
  }

  /** The encoded {@code streamkit.v1.Event}. Shared: do not modify. */
  public byte[] wire() {
    return wire;
  }

  /**
   * The event as an unsolicited Chat message (for Chat streams attached to the topic): the payload and headers
   * of the event plus {@value #TOPIC_HEADER}, {@value #OFFSET_HEADER} and {@value #EPOCH_HEADER}. Built once.
   */
  public Message asChatMessage() {
    Message m = chatMessage;
    if (m == null) {
      m = Message.newBuilder()
          .setRoute("topic:" + event.getTopic())
          .setPayload(event.getPayload())
          .putAllHeaders(event.getHeadersMap())
          .putHeaders(TOPIC_HEADER, event.getTopic())
          .putHeaders(OFFSET_HEADER, Long.toString(event.getOffset()))
          .putHeaders(EPOCH_HEADER, event.getEpoch())
          .build();
      chatMessage = m; // a benign race: every thread builds an equal message
    }
    return m;
  }

  @Override
  public String toString() {
    return "TopicEvent{" + topic() + "@" + offset() + "/" + epoch() + "}";
  }
}
