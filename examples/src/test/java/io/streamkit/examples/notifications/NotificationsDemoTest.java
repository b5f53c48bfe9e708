package io.streamkit.examples.notifications;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NotificationsDemoTest {

  @Test
  void aSubscriberProcessKilledMidStreamResumesFromItsCheckpointWithNothingLostAndTheDemoExitsWithZero() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int code = NotificationsDemo.run(new String[0], new PrintStream(out, true, StandardCharsets.UTF_8));

    String output = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(output).isZero();
    assertThat(output.lines().filter(line -> !line.startsWith("embedded") && !line.startsWith("phone: ")))
        .containsExactly(
            "producer: published notifications #1-#20 (20 events, last offset 20)",
            "desk: received notifications #1-#20, offsets contiguous",
            "producer: published notifications #21-#40 (20 events, last offset 40)",
            "desk: received notifications #21-#40, offsets contiguous");
    assertThat(output).containsPattern("phone: process killed \\(SIGKILL\\) after handling offset \\d+ of epoch ");
    assertThat(output).containsPattern(
        "phone: restarted process resumed at offset \\d+ and handled every notification through #40 in order, "
            + "nothing lost");
  }

  @Test
  void anUnreachableServerEndsTheDemoWithOne() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int code = NotificationsDemo.run(new String[] {"127.0.0.1:1"},
        new PrintStream(out, true, StandardCharsets.UTF_8));

    assertThat(code).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("notifications demo failed", "UNAVAILABLE");
  }
}
