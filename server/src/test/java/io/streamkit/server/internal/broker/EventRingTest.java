package io.streamkit.server.internal.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.google.protobuf.ByteString;
import io.streamkit.server.broker.TopicEvent;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventRingTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static TopicEvent event(long offset, Instant at) {
    return TopicEvent.of("t", offset, "e1", ByteString.copyFromUtf8("p" + offset), Map.of(), at);
  }

  @Test
  void keepsTheNewestMaxEventsAcrossGrowthAndWrapAround() {
    EventRing ring = new EventRing(100);
    for (long o = 1; o <= 250; o++) {
      ring.add(event(o, T0));
    }

    assertThat(ring.oldest()).isEqualTo(151);
    assertThat(ring.last()).isEqualTo(250);
    assertThat(ring.get(150)).isNull();
    for (long o = 151; o <= 250; o++) {
      assertThat(ring.get(o).offset()).isEqualTo(o);
    }
    assertThat(ring.get(251)).isNull();
  }

  @Test
  void anOffsetPastTheNextDropsWhatIsHeldSoReadersSeeTheGap() {
    EventRing ring = new EventRing(10);
    ring.add(event(1, T0));
    ring.add(event(2, T0));

    ring.add(event(7, T0));

    assertThat(ring.oldest()).isEqualTo(7);
    assertThat(ring.get(2)).isNull();
    assertThat(ring.get(7).offset()).isEqualTo(7);
    assertThatIllegalArgumentException().isThrownBy(() -> ring.add(event(7, T0)))
        .withMessage("offset: 7 (expected: above the last, 7)");
  }

  @Test
  void trimDropsEventsBelowTheFloorAndThoseOlderThanTheCutoffFromTheOldestOn() {
    EventRing ring = new EventRing(10);
    for (long o = 1; o <= 6; o++) {
      ring.add(event(o, T0.plusSeconds(o)));
    }

    assertThat(ring.trim(3, T0)).isEqualTo(4);
    assertThat(ring.oldest()).isEqualTo(3);
    assertThat(ring.trim(Long.MIN_VALUE, T0.plusSeconds(4))).isEqualTo(2);
    assertThat(ring.oldest()).isEqualTo(5);

    ring.clear(20);
    assertThat(ring.oldest()).isEqualTo(21);
    assertThat(ring.last()).isEqualTo(20);
    assertThat(ring.get(5)).isNull();
  }
}
