package io.streamkit.server.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.streamkit.server.StreamKitServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TopicLimitsTest {
  @Test
  void everyBrokerBuilderRejectsABadLimitNamingTheFieldTheValueAndWhatWasExpected() {
    assertThatIllegalArgumentException().isThrownBy(() -> InMemoryBroker.builder().historyMaxEvents(0))
        .withMessage("historyMaxEvents: 0 (expected: > 0)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> InMemoryBroker.builder().historyMaxAge(Duration.ofNanos(999_999)))
        .withMessage("historyMaxAge: PT0.000999999S (expected: a duration of at least 1 ms)");
    assertThatIllegalArgumentException().isThrownBy(() -> TopicLimits.DEFAULTS.withMaxSubscriberLag(-1))
        .withMessage("maxSubscriberLag: -1 (expected: > 0)");
  }

  @Test
  void theDefaultsAreTenThousandEventsOneHourAndTenThousandBehind() {
    assertThat(TopicLimits.DEFAULTS).isEqualTo(new TopicLimits(10_000, Duration.ofHours(1), 10_000));
  }

  @Test
  void aServerGivenABrokerRefusesInMemoryBrokerSettingsItWouldIgnoreNamingBoth() {
    try (InMemoryBroker broker = InMemoryBroker.builder().build()) {
      assertThatIllegalStateException()
          .isThrownBy(() -> StreamKitServer.builder()
              .broker(broker)
              .inMemoryBroker(b -> b.historyMaxEvents(5))
              .build())
          .withMessageContaining("broker(InMemoryBroker)")
          .withMessageContaining("inMemoryBroker(...)")
          .withMessageContaining("history and lag limits");
    }
  }
}
