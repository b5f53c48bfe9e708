package io.streamkit.examples.notifications;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NotificationsDemoTest {

  @Test
  void killedSubscriberIsReplacedByOneThatResumesWithNothingLostAndTheDemoExitsWithZero() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    int code = NotificationsDemo.run(new String[0], new PrintStream(out, true, StandardCharsets.UTF_8));

    String output = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(output).isZero();
    assertThat(output.lines().filter(line -> !line.startsWith("embedded") && !line.startsWith("phone: killed")))
        .containsExactly(
            "producer: published notifications #1-#20 (20 events, last offset 20)",
            "desk: received notifications #1-#20, offsets contiguous",
            "phone: received notifications #1-#10, offsets contiguous",
            "producer: published notifications #21-#40 (20 events, last offset 40)",
            "phone (new subscriber): received notifications #11-#40, offsets contiguous",
            "phone: resumed at offset 11, nothing lost",
            "desk: received notifications #21-#40, offsets contiguous");
    assertThat(output).contains("phone: killed after offset 10 of epoch ");
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
