package io.streamkit.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTest {
  @Test
  void jsonRoundTripKeepsNotesAndFiguresInOrder() {
    Result r = new Result("fanout").note("service", "chat").put("deliveries_per_s", 12345).put("p50_us", 81.25);
    Result back = Result.fromJson(r.toJson());
    assertThat(back.scenario).isEqualTo("fanout");
    assertThat(back.notes).containsEntry("service", "chat");
    assertThat(back.figures).containsExactly(
        org.assertj.core.api.Assertions.entry("deliveries_per_s", 12345.0),
        org.assertj.core.api.Assertions.entry("p50_us", 81.25));
  }

  @Test
  void aMissingFigureIsNamedWithTheOnesThatExist() {
    assertThatThrownBy(() -> new Result("ingest").put("events_per_s", 1).get("p50_us"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("p50_us")
        .hasMessageContaining("events_per_s");
  }

  @Test
  void medianOfThreeRunsIsTheMiddleOne() {
    List<Result> runs = List.of(
        new Result("x").put("v", 5), new Result("x").put("v", 1), new Result("x").put("v", 3));
    assertThat(CompareCommand.median(runs, "v")).isEqualTo(3);
  }
}
