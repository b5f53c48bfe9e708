package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeepaliveTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void aClientPingingMoreOftenThanPermittedGetsGoawayTooManyPingsAndOthersAreStillServed() throws Exception {
    // Default --permit-keepalive-time is 5 s; this client pings every 10 ms. grpc-java tolerates two such
    // strikes and answers the third with GOAWAY ENHANCE_YOUR_CALM "too_many_pings", then closes the connection.
    try (LoopbackServer s = LoopbackServer.start(); FrameClient client = FrameClient.connect(s.server.port())) {
      for (int i = 0; i < 10 && !client.goAway.isDone(); i++) {
        client.channel.writeAndFlush(new DefaultHttp2PingFrame(i));
        Thread.sleep(10);
      }

      Http2GoAwayFrame frame = client.goAway.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      try {
        assertThat(frame.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
        assertThat(frame.content().toString(StandardCharsets.US_ASCII)).isEqualTo("too_many_pings");
      } finally {
        frame.release();
      }
      client.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      ConnectionLimitsTest.assertCanaryServed(s);
    }
  }

  // An idle healthy stream that outlives server pings, next to a vanished peer that is freed by them:
  // VanishedPeerTest (grpc-java pings no sooner than 10 s, so it shares one wait).
}
