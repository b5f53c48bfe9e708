package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The backoff a {@link ReconnectPolicy} computes: growth by the multiplier, the cap, and the jitter's bounds, with
 * the random draw pinned through the package-private seam (0.5 is no spread, 0 the lowest, just under 1 the
 * highest) so every figure is exact.
 */
@Timeout(10)
class ReconnectPolicyTest {
  private static final DoubleSupplier MIDDLE = () -> 0.5;
  private static final DoubleSupplier LOWEST = () -> 0.0;
  private static final DoubleSupplier HIGHEST = () -> Math.nextDown(1.0);

  private static long millis(long nanos) {
    return Duration.ofNanos(nanos).toMillis();
  }

  @Test
  void delaysGrowByTheMultiplierFromTheInitialDelayUntilTheCap() {
    ReconnectPolicy policy = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(100))
        .maxDelay(Duration.ofSeconds(5)).multiplier(2).jitter(0.2).build();

    List<Long> delays = new ArrayList<>();
    for (int attempt = 1; attempt <= 10; attempt++) {
      delays.add(millis(policy.delayNanos(attempt, MIDDLE)));
    }

    assertThat(delays).containsExactly(100L, 200L, 400L, 800L, 1600L, 3200L, 5000L, 5000L, 5000L, 5000L);
  }

  @Test
  void aMultiplierOtherThanTwoGrowsByThatFactor() {
    ReconnectPolicy policy = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(10))
        .maxDelay(Duration.ofSeconds(1)).multiplier(3).jitter(0).build();

    assertThat(List.of(1, 2, 3, 4, 5, 6).stream().map(n -> millis(policy.delayNanos(n, HIGHEST))))
        .containsExactly(10L, 30L, 90L, 270L, 810L, 1000L);
  }

  @Test
  void theCapHoldsForAttemptsFarBeyondWhereThePowerOverflows() {
    ReconnectPolicy policy = ReconnectPolicy.defaults();

    assertThat(millis(policy.delayNanos(10_000, MIDDLE))).isEqualTo(5000);
    assertThat(millis(policy.delayNanos(Integer.MAX_VALUE - 1, MIDDLE))).isEqualTo(5000);
  }

  @Test
  void jitterSpreadsEachDelayByAtMostItsFractionEitherWayIncludingTheCappedOnes() {
    ReconnectPolicy policy = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(100))
        .maxDelay(Duration.ofSeconds(1)).jitter(0.25).build();

    assertThat(millis(policy.delayNanos(1, LOWEST))).isEqualTo(75);
    assertThat(millis(policy.delayNanos(1, HIGHEST))).isBetween(124L, 125L);
    assertThat(millis(policy.delayNanos(3, LOWEST))).isEqualTo(300);
    assertThat(millis(policy.delayNanos(3, () -> 0.75))).isEqualTo(450);
    assertThat(millis(policy.delayNanos(20, LOWEST))).as("the cap is spread too").isEqualTo(750);
    assertThat(millis(policy.delayNanos(20, HIGHEST))).isBetween(1249L, 1250L);
  }

  @Test
  void withoutJitterTheDrawDoesNotMatter() {
    ReconnectPolicy policy = ReconnectPolicy.builder().jitter(0).build();

    assertThat(policy.delayNanos(2, LOWEST)).isEqualTo(policy.delayNanos(2, HIGHEST))
        .isEqualTo(Duration.ofMillis(200).toNanos());
  }

  @Test
  void theSampledJitterStaysInItsBoundsAndUsesBothSides() {
    ReconnectPolicy policy = ReconnectPolicy.defaults(); // 100 ms, jitter 0.2
    long low = Long.MAX_VALUE;
    long high = 0;
    for (int i = 0; i < 10_000; i++) {
      long d = policy.delayNanos(1);
      low = Math.min(low, d);
      high = Math.max(high, d);
    }
    assertThat(low).isBetween(Duration.ofMillis(80).toNanos(), Duration.ofMillis(85).toNanos());
    assertThat(high).isBetween(Duration.ofMillis(115).toNanos(), Duration.ofMillis(120).toNanos());
  }

  @Test
  void attemptsPastMaxAttemptsGetNoDelayAndADisabledPolicyNone() {
    ReconnectPolicy three = ReconnectPolicy.builder().maxAttempts(3).jitter(0).build();

    assertThat(three.delayNanos(3, MIDDLE)).isEqualTo(Duration.ofMillis(400).toNanos());
    assertThat(three.delayNanos(4, MIDDLE)).isEqualTo(-1);
    assertThat(ReconnectPolicy.disabled().delayNanos(1, MIDDLE)).isEqualTo(-1);
  }

  @Test
  void aZeroInitialDelayRetriesAtOnceEveryTime() {
    ReconnectPolicy policy = ReconnectPolicy.builder().initialDelay(Duration.ZERO).build();

    assertThat(policy.delayNanos(1, HIGHEST)).isZero();
    assertThat(policy.delayNanos(30, HIGHEST)).isZero();
  }
}
