package io.streamkit.examples.notifications;

import io.streamkit.api.v1.Event;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

/**
 * The "phone": a subscriber process that handles notifications slowly and checkpoints its position (offset and
 * epoch of the last notification it handled) to a file after each one, as a real application would. Started
 * again after being killed, it resumes after the checkpoint.
 *
 * <p>Usage: {@code PhoneSubscriber host:port checkpoint-file last-notification-number}. Reads until it has
 * handled the notification numbered {@code last}, then exits 0; exits 1 if the offsets it receives are not
 * contiguous from its checkpoint.
 */
public final class PhoneSubscriber {
  private PhoneSubscriber() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.out.println("usage: PhoneSubscriber host:port checkpoint-file last-notification-number");
      System.exit(2);
    }
    Path checkpoint = Path.of(args[1]);
    int last = Integer.parseInt(args[2]);
    TopicStart start = readCheckpoint(checkpoint);
    System.out.println("phone process: starting after offset " + start.afterOffset()
        + (start.epoch().isEmpty() ? "" : " of epoch " + start.epoch()));
    try (StreamKitClient client = StreamKitClient.builder().target(args[0]).build();
        Subscription notifications = client.subscribe(List.of(start))) {
      long expected = start.afterOffset() + 1;
      while (true) {
        Event e = notifications.next(Duration.ofSeconds(30));
        if (e.getOffset() != expected) {
          System.out.println("phone process: expected offset " + expected + ", got " + e.getOffset());
          System.exit(1);
        }
        Thread.sleep(50); // a slow handler: the demo kills the process somewhere in the middle
        System.out.println("phone process: handled " + e.getPayload().toStringUtf8() + " (offset " + e.getOffset()
            + ")");
        writeCheckpoint(checkpoint, e);
        expected++;
        if (e.getPayload().toStringUtf8().equals("notification #" + last)) {
          return;
        }
      }
    }
  }

  /** The position after the last handled notification, or the oldest retained one without a checkpoint. */
  static TopicStart readCheckpoint(Path file) throws IOException {
    if (!Files.exists(file)) {
      return TopicStart.after(NotificationsDemo.TOPIC, 0, "");
    }
    String[] parts = Files.readString(file, StandardCharsets.UTF_8).trim().split(" ", 2);
    return TopicStart.after(NotificationsDemo.TOPIC, Long.parseLong(parts[0]), parts.length > 1 ? parts[1] : "");
  }

  private static void writeCheckpoint(Path file, Event e) throws IOException {
    // Write then rename, so a kill never leaves half a checkpoint.
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, e.getOffset() + " " + e.getEpoch(), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
