package io.streamkit.server;

import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.testing.RawHttp2;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Clients that vanish without closing their connection (a laptop lid shut, a NAT mapping dropped): the server's
 * keepalive must end their streams and close the connection. grpc-java pings no sooner than 10 s after the last
 * frame read, so each test here waits for that one ping: about 11 s each.
 */
class VanishedPeerTest {
  private static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10); // grpc-java's floor
  private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(1);
  /** Keepalive time + timeout + slack for a loaded 2-core machine. */
  private static final Duration FREED_WITHIN = KEEPALIVE_TIME.plus(KEEPALIVE_TIMEOUT).plusSeconds(9);
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static LoopbackServer server() {
    return LoopbackServer.start(b -> b.settings(o -> o.connection(ConnectionSettings.builder()
        .keepAliveTime(KEEPALIVE_TIME).keepAliveTimeout(KEEPALIVE_TIMEOUT).build())));
  }

  @Test
  void aPeerThatReadsButNeverAnswersPingsIsFreedWhileAnIdleHealthyClientIsNotDisturbed() throws Exception {
    try (LoopbackServer s = server(); RawHttp2 peer = RawHttp2.handshake(s.server.port())) {
      // A healthy grpc-java client with default settings and a quiet stream: the server pings it too.
      RecordingObserver<Message> replies = new RecordingObserver<>();
      StreamObserver<Message> healthy = StreamServiceGrpc.newStub(s.channel).chat(replies);
      healthy.onNext(msg("1", "echo", "before"));
      replies.awaitValues(1, WAIT);
      long healthyQuietSince = System.nanoTime();

      openChat(peer, 1);
      openSubscription(peer, 3, "vanished");
      await().atMost(WAIT).until(() -> s.server.stats().openStreams() == 3);
      await().atMost(WAIT).until(() -> subscribers(s, "vanished") == 1);
      long start = System.nanoTime();

      // The peer reads everything (SETTINGS, PING, GOAWAY...) and answers nothing.
      boolean closed = peer.closedByServerWithin(FREED_WITHIN);

      System.out.printf("reading peer: connection closed=%s after %d ms; frames read (type/stream/length): %s%n",
          closed, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), peer.framesRead());
      assertThat(closed).as("connection closed by the server within %s", FREED_WITHIN).isTrue();
      assertThat(peer.framesRead()).as("a PING, then GOAWAY").contains("6/0/8", "7/0/8");
      await().atMost(WAIT).until(() -> s.server.stats().openStreams() == 1); // the healthy stream only
      assertThat(subscribers(s, "vanished")).isZero();

      assertThat(Duration.ofNanos(System.nanoTime() - healthyQuietSince))
          .as("the healthy stream was quiet through a ping and its timeout")
          .isGreaterThan(KEEPALIVE_TIME.plus(KEEPALIVE_TIMEOUT));
      healthy.onNext(msg("2", "echo", "after"));
      replies.awaitValues(2, WAIT);
      healthy.onCompleted();
      assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
    }
  }

  @Test
  void aPeerThatNeitherReadsNorAnswersHasItsStreamsEndedAndItsConnectionClosed() throws Exception {
    // Packets to a vanished peer are dropped, so the server's writes back up in TCP. Here the peer opens a large
    // flow-control window, subscribes, never reads, and the server fills the socket with events until nothing
    // more can be written: its PING, GOAWAY and RST_STREAM frames can then never be flushed either.
    try (LoopbackServer s = server(); RawHttp2 peer = RawHttp2.connect(s.server.port())) {
      peer.write(RawHttp2.PREFACE);
      peer.frame(RawHttp2.SETTINGS, 0, 0, settingsInitialWindow(Integer.MAX_VALUE));
      peer.frame(RawHttp2.WINDOW_UPDATE, 0, 0, RawHttp2.int32(Integer.MAX_VALUE - 65_535));
      openChat(peer, 1);
      openSubscription(peer, 3, "stalled");
      await().atMost(WAIT).until(() -> subscribers(s, "stalled") == 1);
      ByteString payload = ByteString.copyFrom(new byte[16 * 1024]);
      for (int i = 0; i < 1_000; i++) { // 16 MiB: far more than the socket buffers of both ends hold
        s.server.broker().publish("stalled", payload, Map.of()).join();
      }
      assertThat(s.server.stats().openStreams()).isEqualTo(2);
      long start = System.nanoTime();

      await().atMost(FREED_WITHIN).until(() -> s.server.stats().openStreams() == 0);
      long freedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(subscribers(s, "stalled")).isZero();
      // Only now does the peer look: the server must have closed the connection (after the buffered bytes, EOF).
      boolean closed = peer.closedByServerWithin(WAIT);
      System.out.printf("stalled peer: streams freed after %d ms; connection closed=%s, %s%n", freedMillis,
          closed, peer);
      assertThat(closed).as("connection closed by the server").isTrue();
      ConnectionLimitsTest.assertCanaryServed(s);
    }
  }

  private static void openChat(RawHttp2 peer, int streamId) throws IOException {
    // HEADERS only: the stream is open and waits for the client's first message.
    peer.frame(RawHttp2.HEADERS, RawHttp2.END_HEADERS, streamId,
        RawHttp2.requestHeaderBlock("/streamkit.v1.StreamService/Chat"));
  }

  private static void openSubscription(RawHttp2 peer, int streamId, String topic) throws IOException {
    peer.frame(RawHttp2.HEADERS, RawHttp2.END_HEADERS, streamId,
        RawHttp2.requestHeaderBlock("/streamkit.v1.StreamService/Subscribe"));
    byte[] request = SubscribeRequest.newBuilder()
        .addTopics(TopicSubscription.newBuilder().setTopic(topic)).build().toByteArray();
    peer.frame(RawHttp2.DATA, RawHttp2.END_STREAM, streamId, RawHttp2.grpcMessage(request));
  }

  private static byte[] settingsInitialWindow(int window) {
    byte[] setting = new byte[6];
    setting[1] = (byte) RawHttp2.SETTINGS_INITIAL_WINDOW_SIZE;
    System.arraycopy(RawHttp2.int32(window), 0, setting, 2, 4);
    return setting;
  }

  private static int subscribers(LoopbackServer s, String topic) {
    return ((InMemoryBroker) s.server.broker()).subscriberCount(topic);
  }
}
