package io.streamkit.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.Topics;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Properties of the protocol's edges: topic names, offsets and positions. */
class TopicAndPositionProperties {
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/-";

  @Provide
  Arbitrary<String> validTopics() {
    return Arbitraries.strings().withChars(ALPHABET.toCharArray()).ofMinLength(1).ofMaxLength(Topics.MAX_LENGTH);
  }

  @Property
  void everyNameOfTheAllowedCharactersAndLengthIsValid(@ForAll("validTopics") String topic) {
    assertThat(Topics.problem(topic)).isNull();
    assertThat(Topics.check(topic)).isEqualTo(topic);
  }

  @Property
  void aNameWithOneForeignCharacterIsRejectedNamingThatCharacterAndItsIndex(
      @ForAll("validTopics") String topic, @ForAll @IntRange(min = 0, max = 255) int at, @ForAll char foreign) {
    if (ALPHABET.indexOf(foreign) >= 0) {
      return; // not foreign
    }
    int index = at % topic.length();
    String bad = topic.substring(0, index) + foreign + topic.substring(index + 1);
    if (bad.length() > Topics.MAX_LENGTH) {
      return;
    }
    assertThat(Topics.problem(bad))
        .isEqualTo("topic '" + bad + "' has the character '" + foreign + "' at index " + index
            + " (expected: only [A-Za-z0-9._:/-])");
    assertThatThrownBy(() -> Topics.check(bad)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(Topics.problem(bad));
  }

  @Property
  void aNameLongerThanTheLimitIsRejectedNamingItsLength(
      @ForAll @IntRange(min = Topics.MAX_LENGTH + 1, max = 4 * Topics.MAX_LENGTH) int length) {
    String topic = "a".repeat(length);
    assertThat(Topics.problem(topic)).contains("has " + length + " characters (expected: 1 to 256)");
  }

  @Property
  void anyOffsetFromZeroUpIsAPositionAndNegativeOnesAreRejected(
      @ForAll @LongRange(min = Long.MIN_VALUE, max = Long.MAX_VALUE) long offset, @ForAll String epoch) {
    if (offset >= 0) {
      Position p = Position.after(offset, epoch);
      assertThat(p.isLive()).isFalse();
      assertThat(p.afterOffset()).isEqualTo(offset);
      assertThat(p.epoch()).isEqualTo(epoch);
    } else {
      assertThatThrownBy(() -> Position.after(offset, epoch))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("offset: " + offset + " (expected: >= 0)");
    }
  }
}
