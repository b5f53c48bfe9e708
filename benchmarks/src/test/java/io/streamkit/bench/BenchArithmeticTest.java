package io.streamkit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The load tool's arithmetic, with values computed by hand: rates, CPU per operation, medians, ratios, the targets'
 * verdicts, what it reads from /proc and jcmd, and how it judges an echoed reply.
 */
class BenchArithmeticTest {
  /** A clock or counter that returns the given readings in turn. */
  private static java.util.function.LongSupplier readings(long... values) {
    Deque<Long> left = new ArrayDeque<>();
    Arrays.stream(values).forEach(left::add);
    return () -> {
      assertThat(left).as("more readings than the test gave").isNotEmpty();
      return left.poll();
    };
  }

  @Test
  void aPhaseCountsWhatHappenedInsideItsWindowPerSecondAndTheServersCpuPerOperation() {
    // Window from 1.0 s to 3.5 s (2.5 s); counter 400 -> 5400 (5000 operations); server CPU 120 -> 370 ticks
    // (250 ticks of 10 ms: 2.5 s of CPU).
    Phase phase = new Phase(readings(1_000_000_000L, 3_500_000_000L), readings(120, 370), true);
    java.util.function.LongSupplier counter = readings(400, 5_400);
    phase.begin(counter);
    assertThat(phase.measuring).isTrue();
    double rate = phase.end(counter);
    assertThat(phase.measuring).isFalse();

    assertThat(phase.count()).isEqualTo(5_000);
    assertThat(phase.seconds()).isCloseTo(2.5, within(1e-12));
    assertThat(rate).isCloseTo(2_000, within(1e-9)); // 5000 / 2.5 s
    Result r = phase.cpuPerOp(new Result("x"));
    // 250 ticks x 10,000 us = 2,500,000 us over 5000 operations = 500 us each; 2.5 s of CPU in 2.5 s = 1 core.
    assertThat(r.get("server_cpu_us_per_op")).isCloseTo(500, within(1e-9));
    assertThat(r.get("server_cpu_cores")).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void withoutAServerProcessOrWithNothingCountedThereIsNoCpuFigure() {
    Phase noPid = new Phase(readings(0, 1_000_000_000L), readings(0, 0), false);
    noPid.begin(readings(0));
    noPid.end(readings(10));
    assertThat(noPid.cpuPerOp(new Result("x")).figures).doesNotContainKeys("server_cpu_us_per_op",
        "server_cpu_cores");

    Phase nothing = new Phase(readings(0, 1_000_000_000L), readings(5, 9), true);
    nothing.begin(readings(7));
    assertThat(nothing.end(readings(7))).isZero();
    assertThat(nothing.cpuPerOp(new Result("x")).figures).doesNotContainKey("server_cpu_us_per_op");
  }

  @Test
  void measureSleepsThroughTheWarmUpAndCountsOnlyTheWindow() throws Exception {
    AtomicLong counter = new AtomicLong();
    Phase phase = new Phase(System::nanoTime, () -> 0, false);
    Thread ticker = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        counter.incrementAndGet();
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    ticker.start();
    try {
      double rate = phase.measure(Duration.ofMillis(100), Duration.ofMillis(300), counter::get);
      assertThat(phase.seconds()).isBetween(0.3, 5.0);
      assertThat(phase.count()).isPositive().isLessThan(counter.get()); // the warm-up's ticks are not counted
      assertThat(rate).isCloseTo(phase.count() / phase.seconds(), within(1e-9));
    } finally {
      ticker.interrupt();
      io.streamkit.testing.TestThreads.join(Duration.ofSeconds(10), ticker);
    }
  }

  private static Result run(String figure, double value) {
    return new Result("x").put(figure, value);
  }

  @Test
  void theMedianOfAnOddCountIsTheMiddleOneOfAnEvenCountTheMeanOfTheMiddleTwo() {
    assertThat(CompareCommand.median(List.of(run("v", 9), run("v", 2), run("v", 4)), "v")).isEqualTo(4);
    assertThat(CompareCommand.median(List.of(run("v", 9), run("v", 2), run("v", 4), run("v", 7)), "v"))
        .isEqualTo(5.5); // (4 + 7) / 2
    assertThat(CompareCommand.median(List.of(run("v", 3.25)), "v")).isEqualTo(3.25);
  }

  @Test
  void runsWithoutTheFigureAreLeftOutOfTheMedianAndNoneGiveNaN() {
    // A failed run is an empty Result: the median is over the two runs that measured.
    List<Result> runs = List.of(run("v", 10), new Result("x"), run("v", 30));
    assertThat(CompareCommand.median(runs, "v")).isEqualTo(20);
    assertThat(CompareCommand.median(List.of(new Result("x")), "v")).isNaN();
  }

  @Test
  void theRatioIsStreamkitOverTheOtherAndNaNWhenTheOtherIsZero() {
    assertThat(CompareCommand.ratio(150, 200)).isEqualTo(0.75);
    assertThat(CompareCommand.ratio(0, 200)).isZero();
    assertThat(CompareCommand.ratio(150, 0)).isNaN();
  }

  @Test
  void pairRatiosAreStreamkitOverBaselineRunByRun() {
    Map<String, List<Result>> results = new LinkedHashMap<>();
    results.put("streamkit", List.of(run("v", 90), run("v", 110), new Result("x")));
    results.put("baseline", List.of(run("v", 100), run("v", 100), run("v", 100)));
    assertThat(CompareCommand.pairRatios(results, "v")).isEqualTo("0.90 1.10 -");
    results.put("baseline", List.of(run("v", 0), run("v", 50)));
    assertThat(CompareCommand.pairRatios(results, "v")).isEqualTo("- 2.20");
  }

  @Test
  void targetsOnTheRatioJudgeTheRatioAndTheOthersStreamkitsOwnFigureBoundsIncluded() {
    Cases.Target ratioAtLeast = Cases.Target.ratioAtLeast(0.95);
    assertThat(ratioAtLeast.text()).isEqualTo(">= 0.95x");
    assertThat(ratioAtLeast.met(1, 0.95)).isTrue();
    assertThat(ratioAtLeast.met(1_000_000, 0.94)).isFalse(); // the figure itself does not matter
    assertThat(ratioAtLeast.met(1, Double.NaN)).isFalse(); // nothing to compare with is not met

    Cases.Target ratioAtMost = Cases.Target.ratioAtMost(1.1);
    assertThat(ratioAtMost.text()).isEqualTo("<= 1.10x");
    assertThat(ratioAtMost.met(1, 1.1)).isTrue();
    assertThat(ratioAtMost.met(1, 1.11)).isFalse();

    Cases.Target atLeast = Cases.Target.atLeast(50_000);
    assertThat(atLeast.text()).isEqualTo(">= 50000");
    assertThat(atLeast.met(50_000, 0.1)).isTrue(); // the ratio does not matter
    assertThat(atLeast.met(49_999, 10)).isFalse();

    Cases.Target atMost = Cases.Target.atMost(4096);
    assertThat(atMost.met(4096, 99)).isTrue();
    assertThat(atMost.met(4097, 0)).isFalse();
  }

  @Test
  void everyCaseHasANameOfItsOwnAndAScenarioTheToolRuns() {
    assertThat(Cases.ALL).extracting(Cases.Case::name).doesNotHaveDuplicates();
    assertThat(Cases.ALL).extracting(Cases.Case::scenario).isSubsetOf(List.of(BenchMain.SCENARIOS.split(", ")));
    assertThat(Cases.ALL).allSatisfy(c -> assertThat(c.figures()).isNotEmpty());
  }

  @Test
  void subscriberStreamsGetMoreConnectionsOnlyWhenOneWouldCarryMoreThanTheLimit() {
    assertThat(subscriberConnections(10_000, 4, 10_000)).isEqualTo(4); // 2,500 a connection
    assertThat(subscriberConnections(40_000, 4, 10_000)).isEqualTo(4); // exactly the limit
    assertThat(subscriberConnections(40_001, 4, 10_000)).isEqualTo(5);
    assertThat(subscriberConnections(100_000, 4, 10_000)).isEqualTo(10);
    assertThat(subscriberConnections(100_000, 16, 10_000)).isEqualTo(16);
    assertThatThrownBy(() -> subscriberConnections(10, 1, 0))
        .hasMessage("--max-streams-per-connection: 0 (expected: > 0)");
  }

  private static int subscriberConnections(int subscribers, int connections, int maxStreamsPerConnection) {
    LoadOptions o = new LoadOptions();
    o.subscribers = subscribers;
    o.connections = connections;
    o.maxStreamsPerConnection = maxStreamsPerConnection;
    return o.subscriberConnections();
  }

  @Test
  void cpuTicksAreUtimePlusStimeEvenWhenTheCommandNameHoldsSpacesAndParentheses() {
    // /proc/PID/stat: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    String stat = "4242 (java (my server)) S 1 4242 4242 0 -1 4194560 1000 0 5 0 1234 567 0 0 20 0 40 0";
    assertThat(ServerProbe.cpuTicksOfStat(stat)).isEqualTo(1234 + 567);
  }

  @Test
  void heapAndRssAreReadInBytes() throws IOException {
    String heapInfo = """
        4242:
         garbage-first heap   total 262144K, used 53248K [0x00000000f0000000, 0x0000000100000000)
          region size 1024K, 2 young (2048K), 0 survivors (0K)
         Metaspace       used 30000K, committed 30500K, reserved 1114112K
        """;
    assertThat(ServerProbe.usedHeapBytes(heapInfo)).isEqualTo(53_248L * 1024);
    assertThatThrownBy(() -> ServerProbe.usedHeapBytes("no heap here")).isInstanceOf(IOException.class)
        .hasMessageContaining("no heap here");

    List<String> status = List.of("Name:\tjava", "VmPeak:\t 9000000 kB", "VmRSS:\t  123456 kB", "Threads:\t42");
    assertThat(ServerProbe.rssBytes(status, 4242)).isEqualTo(123_456L * 1024);
    assertThatThrownBy(() -> ServerProbe.rssBytes(List.of("Name:\tjava"), 4242)).isInstanceOf(IOException.class)
        .hasMessageContaining("/proc/4242/status");
  }

  @Test
  void aGreeterReplyIsRightOnlyWhenItIsReceivedFollowedByWhatWasSent() {
    MessageRequest sent = MessageRequest.newBuilder().setContent("xxxx").build();
    var wrong = BidiScenario.greeterReplyIsWrong(sent);
    assertThat(wrong.apply(MessageResponse.newBuilder().setReply("Received: xxxx").build())).isFalse();
    assertThat(wrong.apply(MessageResponse.newBuilder().setReply("Received: xxx").build())).isTrue();
    assertThat(wrong.apply(MessageResponse.newBuilder().setReply("xxxx").build())).isTrue();
    assertThat(wrong.apply(MessageResponse.getDefaultInstance())).isTrue();
  }

  @Test
  void aChatReplyIsRightOnlyWithTheSamePayloadAndNoError() {
    Message sent = Message.newBuilder().setId("1").setRoute("echo").setPayload(ByteString.copyFrom(new byte[8]))
        .build();
    var wrong = BidiScenario.chatReplyIsWrong(sent);
    assertThat(wrong.apply(Message.newBuilder().setId("1").setPayload(ByteString.copyFrom(new byte[8])).build()))
        .isFalse();
    assertThat(wrong.apply(Message.newBuilder().setPayload(ByteString.copyFrom(new byte[7])).build())).isTrue();
    byte[] changed = new byte[8];
    changed[3] = 1;
    assertThat(wrong.apply(Message.newBuilder().setPayload(ByteString.copyFrom(changed)).build())).isTrue();
    assertThat(wrong.apply(Message.newBuilder().setPayload(ByteString.copyFrom(new byte[8]))
        .setError(io.streamkit.api.v1.Error.newBuilder().setMessage("no route")).build())).isTrue();
  }
}
