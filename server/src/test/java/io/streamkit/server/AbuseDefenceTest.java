package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.DefaultHttp2SettingsFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Settings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's defences against HTTP/2 floods that grpc-java does not bound itself: the control-frame limit
 * (SETTINGS floods) and, when turned on, the ban of an offender's address. Offenders connect from 127.0.0.2 and
 * well-behaved clients from 127.0.0.1, as two hosts would.
 */
// Generous: a fresh-clone CI run on a busy machine once timed out here. The work is bounded (a few connections and
// at most 20 frames each); only the waits stretch when the machine is slow.
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AbuseDefenceTest {
  /** How long anything that must happen may take on a busy machine. */
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** How long a connection that must not be served is watched: served ones get SETTINGS within milliseconds. */
  private static final Duration HELD = Duration.ofSeconds(1);
  private static final String OFFENDER = "127.0.0.2";

  @Test
  void aConnectionSendingMoreSettingsFramesThanTheLimitGetsGoawayEnhanceYourCalmAndOthersAreStillServed()
      throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.settings(o -> o.connection(
            ConnectionSettings.builder().maxControlFramesPerWindow(20).build())));
        FrameClient client = FrameClient.connect(s.server.port())) {
      client.serverSettings.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      for (int i = 0; i < 19; i++) { // with the codec's own first SETTINGS frame: 20, the limit
        client.channel.writeAndFlush(new DefaultHttp2SettingsFrame(new Http2Settings()));
      }
      // A PING answered after them proves the server read all 20 and kept the connection.
      assertThat(client.channel.writeAndFlush(new DefaultHttp2PingFrame(42)).await(WAIT.toMillis()))
          .as("PING written within %s", WAIT).isTrue();
      await().atMost(WAIT).until(() -> client.pingAcks.contains(42L));
      assertThat(client.goAway).isNotDone();

      client.channel.writeAndFlush(new DefaultHttp2SettingsFrame(new Http2Settings()));

      Http2GoAwayFrame goAway = client.goAway.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      try {
        assertThat(goAway.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
        assertThat(goAway.content().toString(StandardCharsets.UTF_8))
            .contains("too_many_control_frames: more than 20 SETTINGS, PRIORITY and unknown-type frames within 10000 ms")
            .contains("--max-control-frames-per-window");
      } finally {
        goAway.release();
      }
      client.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      ConnectionLimitsTest.assertCanaryServed(s);
    }
  }

  @Test
  void withABanTheOffendersNewConnectionsAreHeldUnservedUntilTheBanEndsWhileOtherAddressesAreServed()
      throws Exception {
    // Long enough for the checks within the ban (1 s watching the held connection, two more connections) on a
    // busy machine.
    Duration ban = Duration.ofSeconds(6);
    try (LoopbackServer s = LoopbackServer.start(b -> b.settings(o -> o.connection(
        ConnectionSettings.builder().maxControlFramesPerWindow(5).abuseBan(ban).build())))) {
      long start = System.nanoTime();
      offend(s);

      try (FrameClient held = FrameClient.connectFrom(OFFENDER, s.server.port())) {
        assertThat(served(held, HELD)).as("a new connection from the offender's address gets HTTP/2").isFalse();
        assertThat(held.closed).as("held open, so that it does not reconnect at once").isNotDone();
        ConnectionLimitsTest.assertCanaryServed(s); // 127.0.0.1 is not banned
        assertThat(acceptedFrom("127.0.0.3", s)).as("a new connection from another address").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("checked within the ban").isLessThan(ban);

        held.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("closed when the ban ends")
            .isGreaterThanOrEqualTo(ban);
        assertThat(held.serverSettings).as("never served while held").isNotDone();
      }
      assertThat(acceptedFrom(OFFENDER, s)).as("accepted again after the ban").isTrue();
    }
  }

  @Test
  void withoutABanTheDefaultAnOffenderMayReconnectAtOnce() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.settings(o -> o.connection(
        ConnectionSettings.builder().maxControlFramesPerWindow(5).build())))) {
      offend(s);
      assertThat(acceptedFrom(OFFENDER, s)).isTrue();
    }
  }

  /** Whether a new connection from {@code address} gets the server's SETTINGS within {@link #WAIT}. */
  private static boolean acceptedFrom(String address, LoopbackServer s) throws Exception {
    try (FrameClient c = FrameClient.connectFrom(address, s.server.port())) {
      return served(c, WAIT);
    }
  }

  /** Whether the server's SETTINGS arrive within {@code within}. */
  private static boolean served(FrameClient c, Duration within) throws Exception {
    try {
      c.serverSettings.get(within.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    }
  }

  /** A SETTINGS flood from {@link #OFFENDER}, until the server's GOAWAY and close. */
  private static void offend(LoopbackServer s) throws Exception {
    try (FrameClient offender = FrameClient.connectFrom(OFFENDER, s.server.port())) {
      // Why wait for the server's SETTINGS and send the flood in one flush: the server closes the connection right
      // after its GOAWAY, and anything of ours it has not read by then (a late SETTINGS ack, the flood's tail in a
      // second segment) makes its kernel answer with RST, which can discard the GOAWAY before this client reads it.
      offender.serverSettings.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      for (int i = 0; i < 10; i++) {
        offender.channel.write(new DefaultHttp2SettingsFrame(new Http2Settings()));
      }
      offender.channel.flush();
      Http2GoAwayFrame goAway = offender.goAway.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      try {
        assertThat(goAway.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
      } finally {
        goAway.release();
      }
      offender.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }
}
