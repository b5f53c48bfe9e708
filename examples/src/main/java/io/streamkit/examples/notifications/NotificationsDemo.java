package io.streamkit.examples.notifications;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The notifications demo: a producer publishes numbered notifications to the topic {@value #TOPIC} with an
 * {@link EventPublisher}; two subscribers, "desk" and "phone", read them with resuming
 * {@link Subscription}s. The phone is a separate process ({@link PhoneSubscriber}) that checkpoints its
 * position; it is killed with SIGKILL half-way; while it is gone more notifications are published; started again,
 * it resumes after its checkpoint and checks that it gets every notification after it, once, in order.
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
      try (StreamKitServer server = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).build().start()) {
        out.println("embedded server on 127.0.0.1:" + server.port());
        demo("127.0.0.1:" + server.port(), out);
      }
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      out.println("notifications demo interrupted");
      return 1;
    } catch (TimeoutException | IOException | RuntimeException e) {
      out.println("notifications demo failed: " + e);
      return 1;
    }
  }

  /** The scripted run against the server at {@code target} (host:port). */
  static void demo(String target, PrintStream out)
      throws InterruptedException, TimeoutException, IOException {
    try (StreamKitClient producer = StreamKitClient.builder().target(target).build();
        StreamKitClient desk = StreamKitClient.builder().target(target).build()) {
      long first = publish(producer, 1, out);
      TopicStart start = TopicStart.after(TOPIC, first - 1, "");
      try (Subscription deskSub = desk.subscribe(List.of(start))) {
        read(deskSub, "desk", 1, BATCH, out);

        // The phone is a separate process: killed with SIGKILL half-way through, then started again.
        Path checkpoint = Files.createTempDirectory("phone").resolve("checkpoint");
        Files.writeString(checkpoint, (first - 1) + " ");
        Process phoneProcess = startPhone(target, checkpoint, 2 * BATCH);
        awaitCheckpointAtLeast(checkpoint, first + 4);
        phoneProcess.destroyForcibly().waitFor();
        TopicStart resumeAt = PhoneSubscriber.readCheckpoint(checkpoint);
        out.println("phone: process killed (SIGKILL) after handling offset " + resumeAt.afterOffset()
            + " of epoch " + resumeAt.epoch());

        publish(producer, BATCH + 1, out);

        Process restarted = startPhone(target, checkpoint, 2 * BATCH);
        if (!restarted.waitFor(60, TimeUnit.SECONDS) || restarted.exitValue() != 0) {
          restarted.destroyForcibly();
          throw new IllegalStateException("the restarted phone process did not finish cleanly");
        }
        TopicStart end = PhoneSubscriber.readCheckpoint(checkpoint);
        if (end.afterOffset() != first - 1 + 2 * BATCH) {
          throw new IllegalStateException("phone ended at offset " + end.afterOffset());
        }
        out.println("phone: restarted process resumed at offset " + (resumeAt.afterOffset() + 1)
            + " and handled every notification through #" + 2 * BATCH + " in order, nothing lost");
        read(deskSub, "desk", BATCH + 1, 2 * BATCH, out);
      }
    }
  }

  /** Starts {@link PhoneSubscriber} as a child JVM on this program's own class path. */
  private static Process startPhone(String target, Path checkpoint, int last) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", classPath(), PhoneSubscriber.class.getName(), target,
        checkpoint.toString(), Integer.toString(last))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  /**
   * This program's class path: the URLs of its class loader when it is one (exec:java runs us in such a
   * loader, inside Maven's JVM), otherwise {@code java.class.path}.
   */
  private static String classPath() {
    List<String> entries = new ArrayList<>();
    for (ClassLoader l = NotificationsDemo.class.getClassLoader(); l != null; l = l.getParent()) {
      if (l instanceof URLClassLoader urls) {
        for (URL url : urls.getURLs()) {
          try {
            entries.add(Path.of(url.toURI()).toString());
          } catch (URISyntaxException | IllegalArgumentException e) {
            // Not a file URL: a child JVM could not use it either.
          }
        }
      }
    }
    entries.add(System.getProperty("java.class.path"));
    return String.join(File.pathSeparator, entries);
  }

  private static void awaitCheckpointAtLeast(Path checkpoint, long offset)
      throws IOException, InterruptedException, TimeoutException {
    // A child JVM's start-up is slow on a busy machine: give the phone process three times the usual wait.
    Duration wait = WAIT.multipliedBy(3);
    long deadline = System.nanoTime() + wait.toNanos();
    while (PhoneSubscriber.readCheckpoint(checkpoint).afterOffset() < offset) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("the phone process handled nothing within " + wait);
      }
      Thread.sleep(20);
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
