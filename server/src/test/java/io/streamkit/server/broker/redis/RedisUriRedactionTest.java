package io.streamkit.server.broker.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What errors and messages show of a Redis URI: never its password. */
@Timeout(10)
class RedisUriRedactionTest {

  @Test
  void thePasswordIsShownAsStarsAndTheRestIsKept() {
    assertThat(RedisBroker.redact("redis://:s3cret@10.0.0.5:6379/2")).isEqualTo("redis://:****@10.0.0.5:6379/2");
    assertThat(RedisBroker.redact("rediss://app:s3cret@h:6380")).isEqualTo("rediss://app:****@h:6380");
    assertThat(RedisBroker.redact("redis://s3cret@h:6379")).as("a lone user-info part is the password (AUTH pw)")
        .isEqualTo("redis://:****@h:6379");
    assertThat(RedisBroker.redact("redis://:p@ss@h:6379")).isEqualTo("redis://:****@h:6379");
    assertThat(RedisBroker.redact("redis://h:6379")).isEqualTo("redis://h:6379");
  }

  @Test
  void eachSeedOfAClusterListIsRedacted() {
    assertThat(RedisBroker.redact("redis://:a1@h1:7000, redis://:b2@h2:7000"))
        .isEqualTo("redis://:****@h1:7000, redis://:****@h2:7000");
  }

  @Test
  void anUnparsableUriIsRejectedWithoutItsPassword() {
    assertThatThrownBy(() -> RedisBroker.builder().uri("http://:s3cret@h:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("uri: 'http://:****@h:6379'")
        .hasMessageNotContaining("s3cret");
  }
}
