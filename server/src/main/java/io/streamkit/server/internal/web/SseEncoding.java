package io.streamkit.server.internal.web;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.FastThreadLocal;
import io.streamkit.server.broker.TopicEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Subscribe call's events as Server-Sent Events ({@code text/event-stream}): each event is
 * {@code id: <resume token>} and {@code data: <the Event in proto3 JSON>} with the default event type, so that
 * {@code EventSource.onmessage} sees it. Before an event that does not follow the previous one of its topic comes
 * {@code event: gap} (offsets skipped, dropped by retention) or {@code event: reset} (a new epoch, or an offset that
 * went back: continuity is lost), each with JSON naming the topic and the positions. A duplicate (an offset already
 * delivered, after a resume) is not sent again. A comment line goes out every heartbeat interval. A failure before
 * the stream started is an HTTP error with the JSON error body (EventSource does not retry those); after it started,
 * {@code event: error} with the same JSON, then the end (EventSource reconnects with the last id).
 *
 * <p>Event loop only (the {@link WebCall} drain). The JSON of an event is made once per event loop and reused for
 * every subscriber on that loop: the broker delivers a publish to all of a loop's subscribers in one task.
 */
final class SseEncoding implements WebCall.Encoding<TopicEvent> {
  static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";
  /** How long EventSource waits before it reconnects; its own default is about 3 s. */
  private static final int RETRY_MILLIS = 1000;
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
  private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final FastThreadLocal<LastEvent> LAST = new FastThreadLocal<>() {
    @Override
    protected LastEvent initialValue() {
      return new LastEvent();
    }
  };

  /** The JSON of the event this event loop printed last. */
  private static final class LastEvent {
    TopicEvent event;
    byte[] json;
  }

  private final Map<String, ResumeToken.Seen> seen;
  private final Duration heartbeat;
  private ScheduledFuture<?> heartbeats;

  /** @param resumed the positions the stream resumes from (its token), which continuity is checked against */
  SseEncoding(Map<String, ResumeToken.Seen> resumed, Duration heartbeat) {
    this.seen = new LinkedHashMap<>(resumed);
    this.heartbeat = heartbeat;
  }

  @Override
  public void headers(WebResponse response, Metadata headers) {
    HttpHeaders out = new DefaultHttpHeaders();
    out.set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE);
    out.set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
    out.set("x-accel-buffering", "no"); // nginx: do not buffer the stream
    response.head(HttpResponseStatus.OK, out);
    write(response, "retry: " + RETRY_MILLIS + "\n: subscribed\n\n");
    long nanos = heartbeat.toNanos();
    heartbeats = response.context().executor().scheduleAtFixedRate(() -> beat(response), nanos, nanos,
        TimeUnit.NANOSECONDS);
  }

  private void beat(WebResponse response) {
    if (response.done() || !response.context().channel().isActive()) {
      heartbeats.cancel(false);
      return;
    }
    if (response.context().channel().isWritable()) { // a reader that does not read is the lag rule's to end
      response.content(response.context().alloc().buffer(HEARTBEAT.length).writeBytes(HEARTBEAT));
      response.flushSoon();
    }
  }

  @Override
  public void message(WebResponse response, TopicEvent event) {
    ResumeToken.Seen last = seen.get(event.topic());
    if (last != null) {
      boolean epochUnknown = last.epoch().isEmpty();
      if (epochUnknown ? event.offset() <= last.offset() : !last.epoch().equals(event.epoch())) {
        write(response, "event: reset\ndata: " + new Json().begin().field("topic", event.topic())
            .field("previousEpoch", last.epoch()).field("previousOffset", Long.toString(last.offset()))
            .field("epoch", event.epoch()).field("offset", Long.toString(event.offset())).end() + "\n\n");
      } else if (event.offset() <= last.offset()) {
        return; // delivered before the resume
      } else if (event.offset() > last.offset() + 1) {
        write(response, "event: gap\ndata: " + new Json().begin().field("topic", event.topic())
            .field("epoch", event.epoch()).field("fromOffset", Long.toString(last.offset() + 1))
            .field("toOffset", Long.toString(event.offset() - 1)).end() + "\n\n");
      }
    }
    seen.put(event.topic(), new ResumeToken.Seen(event.epoch(), event.offset()));
    byte[] id = ResumeToken.encode(seen).getBytes(StandardCharsets.US_ASCII);
    byte[] json = json(event);
    ByteBuf out = response.context().alloc().buffer(id.length + json.length + 16);
    out.writeBytes(ID).writeBytes(id).writeBytes(DATA).writeBytes(json).writeBytes(END);
    response.content(out);
  }

  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "\ndata: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

  private static byte[] json(TopicEvent event) {
    LastEvent last = LAST.get();
    if (last.event != event) {
      try {
        last.json = PRINTER.print(event.event()).getBytes(StandardCharsets.UTF_8);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("an Event cannot be printed as JSON", e);
      }
      last.event = event;
    }
    return last.json;
  }

  @Override
  public void close(WebResponse response, Status status, Metadata trailers) {
    if (heartbeats != null) {
      heartbeats.cancel(false);
    }
    if (!response.headSent()) {
      response.error(WebErrors.httpStatus(status.getCode()), WebErrors.json(status, trailers), new DefaultHttpHeaders());
      return;
    }
    if (!status.isOk()) {
      write(response, "event: error\ndata: " + WebErrors.json(status, trailers) + "\n\n");
    }
    response.end();
  }

  private static void write(WebResponse response, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    response.content(response.context().alloc().buffer(bytes.length).writeBytes(bytes));
  }
}
