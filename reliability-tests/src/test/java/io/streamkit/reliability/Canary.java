package io.streamkit.reliability;

import com.google.protobuf.ByteString;
import io.streamkit.client.StreamKitClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A well-behaved client on its own connection that measures request/reply round trips over Chat ({@code echo}
 * route), to show an offender does not hurt others. Thread-compatible; close it.
 *
 * <p>It measures one window at a time ({@link #windowP99}); latency under CPU contention is noisy on a 2-core
 * machine, so callers compare medians over several windows, not single windows.
 */
final class Canary implements AutoCloseable {
  private final StreamKitClient client;

  Canary(String target) {
    client = StreamKitClient.builder().target(target).build();
  }

  /** Round trips until the JIT and the connection are warm. */
  Canary warm() throws Exception {
    sample(2_000);
    return this;
  }

  /** The p99 round trip of one window of {@code n} calls. */
  Duration windowP99(int n) throws Exception {
    long[] rtts = sample(n);
    Arrays.sort(rtts);
    return Duration.ofNanos(rtts[(int) Math.ceil(rtts.length * 0.99) - 1]);
  }

  /** One round trip that must succeed: the canary is served. */
  void served() throws Exception {
    sample(1);
  }

  private long[] sample(int n) throws Exception {
    long[] rtts = new long[n];
    ByteString payload = ByteString.copyFromUtf8("canary");
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      client.call("echo", payload).get(10, TimeUnit.SECONDS);
      rtts[i] = System.nanoTime() - t0;
    }
    return rtts;
  }

  @Override
  public void close() {
    client.close();
  }
}
