package io.streamkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The progress bar's labels and estimate, and when it is drawn at all. */
@Timeout(30)
class ProgressTest {
  private static final long S = 1_000_000_000L;

  @Test
  void theLabelNamesTheCaseTheRunOfHowManyAndTheServer() {
    Progress.Plan plan = new Progress.Plan(12, Duration.ofSeconds(20), 0);
    plan.begin("fanout-1k", 2, 3, "baseline");
    assertThat(plan.label()).isEqualTo("fanout-1k run 2/3 baseline");
  }

  @Test
  void beforeAnyRunEndsTheEstimateIsTheGuessPerRunLessWhatTheFirstTook() {
    Progress.Plan plan = new Progress.Plan(4, Duration.ofSeconds(20), 0);
    assertThat(plan.remaining(Duration.ZERO)).contains(Duration.ofSeconds(80));
    assertThat(plan.remaining(Duration.ofSeconds(5))).contains(Duration.ofSeconds(75));
  }

  @Test
  void afterRunsEndTheEstimateIsTheirMeanLengthTimesTheRunsLeft() {
    Progress.Plan plan = new Progress.Plan(5, Duration.ofSeconds(20), 0);
    plan.done(30 * S);
    plan.done(50 * S); // two runs in 50 s: 25 s each, three left
    assertThat(plan.remaining(Duration.ofSeconds(50))).contains(Duration.ofSeconds(75));
    assertThat(plan.remaining(Duration.ofSeconds(60))).as("10 s into the third").contains(Duration.ofSeconds(65));
    assertThat(plan.remaining(Duration.ofSeconds(500))).as("a run far longer than the mean")
        .contains(Duration.ZERO);
  }

  @Test
  void skippedRunsLeaveTheEstimateAndNothingIsLeftAtTheEnd() {
    Progress.Plan plan = new Progress.Plan(6, Duration.ofSeconds(10), 0);
    plan.done(10 * S);
    plan.skip(4); // a Redis case without redis-server
    assertThat(plan.total).isEqualTo(2);
    assertThat(plan.remaining(Duration.ofSeconds(10))).contains(Duration.ofSeconds(10));
    plan.done(20 * S);
    assertThat(plan.remaining(Duration.ofSeconds(20))).contains(Duration.ZERO);
    plan.skip(5);
    assertThat(plan.total).as("never below what is done").isEqualTo(2);
  }

  @Test
  void drawnOnlyOnATerminalThatIsNotDumbAndNotWithNoProgress() {
    assertThat(Progress.wanted(false, true, "xterm-256color")).isTrue();
    assertThat(Progress.wanted(true, true, "xterm-256color")).isFalse();
    assertThat(Progress.wanted(false, false, "xterm-256color")).as("output to a file or pipe").isFalse();
    assertThat(Progress.wanted(false, true, "dumb")).isFalse();
    assertThat(Progress.wanted(false, true, null)).isTrue();
  }

  @Test
  void withoutABarResultLinesArePrintedPlainly() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Progress progress = Progress.start(2, Duration.ofSeconds(1), new PrintStream(bytes, true,
        StandardCharsets.UTF_8), false)) {
      progress.begin("bidi-greeter", 1, 1, "streamkit");
      progress.println("   run 1 streamkit  msgs_per_s=1000");
      progress.done();
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("   run 1 streamkit  msgs_per_s=1000\n");
  }

  @Test
  void withABarTheLabelElapsedAndTimeLeftAreDrawnAndLinesScrollAboveIt() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Progress progress = Progress.start(4, Duration.ofSeconds(60), new PrintStream(bytes, true,
        StandardCharsets.UTF_8), true)) {
      progress.begin("fanout-1k", 1, 2, "streamkit");
      Thread.sleep(1500); // the library redraws every second
      progress.println("== fanout-1k");
    }
    String shown = bytes.toString(StandardCharsets.UTF_8);
    assertThat(shown).contains("fanout-1k run 1/2 streamkit").contains("0/4 runs")
        .containsPattern("\r== fanout-1k +\n"); // over the bar's line, padded to its width, then the bar below
    // "(elapsed / left)": a 60 s guess for each of 4 runs, about 4 minutes left at the start.
    assertThat(shown).containsPattern("\\(0:00:0\\d / 0:0[34]:\\d\\d\\)");
  }
}
