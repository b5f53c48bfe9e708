package io.streamkit.examples.notifications;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The notifications demo: a producer publishes numbered notifications to the topic {@value #TOPIC} with an
 * {@link EventPublisher}; two subscribers, "desk" and "phone", read them with resuming
 * {@link Subscription}s. The phone is killed (its subscription closed) half-way; while it is gone more
 * notifications are published; a new phone subscriber resumes after the last (offset, epoch) the old one
 * processed and checks that it got every notification after it, once, in order.
 *
 * <p>Without arguments the demo starts an embedded {@link StreamKitServer} on a free loopback port and stops
 * it at the end; with {@code host:port} it uses the server running there (the topic must then be new or
 * the offsets will not start at 1; the demo checks continuity, not absolute numbers). Exits with 0 when
 * nothing was lost, 1 otherwise, 2 for bad arguments.
 */
public final class NotificationsDemo {
  static final String TOPIC = "notifications";
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int BATCH = 20;

  private NotificationsDemo() {}

  /** Runs the demo; see the class documentation for the argument and the exit codes. */
  public static void main(String[] args) {
    int code = run(args, System.out);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs the demo, printing to {@code out}; returns the exit code. */
  static int run(String[] args, PrintStream out) {
    if (args.length > 1) {
      out.println("usage: NotificationsDemo [host:port]   (no address: an embedded server)");
      return 2;
    }
    try {
      if (args.length == 1) {
        demo(args[0], out);
        return 0;
      }
      try (StreamKitServer server = StreamKitServer.builder().host("127.0.0.1").port(0).build().start()) {
        out.println("embedded server on 127.0.0.1:" + server.port());
        demo("127.0.0.1:" + server.port(), out);
      }
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      out.println("notifications demo interrupted");
      return 1;
    } catch (TimeoutException | RuntimeException e) {
      out.println("notifications demo failed: " + e);
      return 1;
    }
  }

  /** The scripted run against the server at {@code target} (host:port). */
  static void demo(String target, PrintStream out) throws InterruptedException, TimeoutException {
    try (StreamKitClient producer = StreamKitClient.builder().target(target).build();
        StreamKitClient desk = StreamKitClient.builder().target(target).build();
        StreamKitClient phone = StreamKitClient.builder().target(target).build()) {
      long first = publish(producer, 1, out);
      TopicStart start = TopicStart.after(TOPIC, first - 1, "");
      try (Subscription deskSub = desk.subscribe(List.of(start))) {
        read(deskSub, "desk", 1, BATCH, out);

        TopicStart resumeAt;
        try (Subscription phoneSub = phone.subscribe(List.of(start))) {
          read(phoneSub, "phone", 1, BATCH / 2, out);
          resumeAt = phoneSub.position(TOPIC);
        } // closed: the phone is "killed" with half of the batch unread
        out.println("phone: killed after offset " + resumeAt.afterOffset() + " of epoch " + resumeAt.epoch());

        publish(producer, BATCH + 1, out);

        try (Subscription resumed = phone.subscribe(List.of(resumeAt))) {
          long resumedAt = resumeAt.afterOffset() + 1;
          read(resumed, "phone (new subscriber)", (int) (resumedAt - first + 1), 2 * BATCH, out);
          out.println("phone: resumed at offset " + resumedAt + ", nothing lost");
        }
        read(deskSub, "desk", BATCH + 1, 2 * BATCH, out);
      }
    }
  }

  /** Publishes notifications {@code from .. from+BATCH-1}; returns the offset of the first. */
  private static long publish(StreamKitClient client, int from, PrintStream out) throws InterruptedException {
    PublishAck ack;
    try (EventPublisher publisher = client.publisher()) {
      for (int n = from; n < from + BATCH; n++) {
        publisher.publish(TOPIC, ByteString.copyFromUtf8("notification #" + n));
      }
      ack = publisher.complete();
    }
    long last = ack.getLastOffsetsOrThrow(TOPIC);
    out.println("producer: published notifications #" + from + "-#" + (from + BATCH - 1) + " ("
        + ack.getCount() + " events, last offset " + last + ")");
    return last - BATCH + 1;
  }

  /** Reads notifications #{@code from} to #{@code to}, checking that offsets and numbers are contiguous. */
  private static void read(Subscription subscription, String who, int from, int to, PrintStream out)
      throws InterruptedException, TimeoutException {
    long previous = -1;
    for (int n = from; n <= to; n++) {
      Event event = subscription.next(WAIT);
      String expected = "notification #" + n;
      if (!event.getPayload().toStringUtf8().equals(expected)
          || previous != -1 && event.getOffset() != previous + 1) {
        throw new IllegalStateException(who + ": expected '" + expected + "' after offset " + previous
            + ", got '" + event.getPayload().toStringUtf8() + "' at offset " + event.getOffset());
      }
      previous = event.getOffset();
    }
    out.println(who + ": received notifications #" + from + "-#" + to + ", offsets contiguous");
  }
}
