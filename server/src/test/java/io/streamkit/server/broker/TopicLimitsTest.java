package io.streamkit.server.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.streamkit.server.ServerSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TopicLimitsTest {
  @Test
  void everyBrokerBuilderRejectsABadLimitNamingTheFieldTheValueAndWhatWasExpected() {
    assertThatIllegalArgumentException().isThrownBy(() -> InMemoryBroker.builder().historyMaxEvents(0))
        .withMessage("historyMaxEvents: 0 (expected: > 0)");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ServerSettings.builder().historyMaxAge(Duration.ofNanos(999_999)))
        .withMessage("historyMaxAge: PT0.000999999S (expected: a duration of at least 1 ms)");
    assertThatIllegalArgumentException().isThrownBy(() -> TopicLimits.DEFAULTS.withMaxSubscriberLag(-1))
        .withMessage("maxSubscriberLag: -1 (expected: > 0)");
  }

  @Test
  void serverSettingsHandTheirLimitsToTheBrokerAsOneValue() {
    ServerSettings settings = ServerSettings.builder()
        .historyMaxEvents(5).historyMaxAge(Duration.ofMinutes(2)).maxSubscriberLag(7).build();

    assertThat(settings.topicLimits()).isEqualTo(new TopicLimits(5, Duration.ofMinutes(2), 7));
    assertThat(TopicLimits.DEFAULTS).isEqualTo(new TopicLimits(10_000, Duration.ofHours(1), 10_000));
  }
}
