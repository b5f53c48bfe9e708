package io.streamkit.server.broker.redis;

import java.util.concurrent.ThreadLocalRandom;

/** New epoch names: the time in base 36 (readable order in logs) and 64 random bits (unique across instances). */
final class Epochs {
  private Epochs() {}

  static String next() {
    return Long.toString(System.currentTimeMillis(), 36) + "-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }
}
