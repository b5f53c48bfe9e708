package io.streamkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-call-type deadlines, per-call compression and the bounded stream start, against a plain grpc-java echo
 * server (it sends response headers only with its first reply, as most servers do).
 */
class CallSettingsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Metadata.Key<String> ENCODING = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);

  private final List<String> requestEncodings = new CopyOnWriteArrayList<>();
  private Server server;
  private StreamKitClient client;

  private StreamKitClient start(int maxStreamsPerConnection, StreamKitClient.Builder options) throws Exception {
    ServerInterceptor recordEncoding = new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        String encoding = headers.get(ENCODING);
        requestEncodings.add(encoding == null ? "identity" : encoding);
        return next.startCall(call, headers);
      }
    };
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .directExecutor()
        .maxConcurrentCallsPerConnection(maxStreamsPerConnection)
        .addService(ServerInterceptors.intercept(new Echo(), recordEncoding))
        .build()
        .start();
    client = options.target("127.0.0.1:" + server.getPort()).build();
    return client;
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aStreamPastTheServersPerConnectionLimitFailsWithinTheStartTimeoutInsteadOfHanging() throws Exception {
    StreamKitClient c = start(2, StreamKitClient.builder().streamStartTimeout(Duration.ofMillis(500)));
    BidiStream<Message, Message> first = c.chat();
    BidiStream<Message, Message> second = c.chat();
    assertThat(echo(first, "1")).isEqualTo("1");
    assertThat(echo(second, "2")).isEqualTo("2");

    long start = System.nanoTime();
    BidiStream<Message, Message> third = c.chat();
    assertThatThrownBy(() -> echo(third, "3"))
        .isInstanceOfSatisfying(StreamKitException.class, e -> {
          assertThat(e.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.status().getDescription())
              .contains("did not start within 500 ms")
              .contains("limit of concurrent streams")
              .contains("--max-concurrent-streams");
        });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

    // The streams that started are unaffected, and another connection is served at once.
    assertThat(echo(first, "1 again")).isEqualTo("1 again");
    StreamKitClient other = StreamKitClient.builder().target("127.0.0.1:" + server.getPort()).build();
    try (BidiStream<Message, Message> elsewhere = other.chat()) {
      assertThat(echo(elsewhere, "other connection")).isEqualTo("other connection");
    } finally {
      other.close();
    }
    first.close();
    second.close();
  }

  @Test
  void aStartedStreamThatStaysQuietIsNeverCutByTheStartTimeout() throws Exception {
    StreamKitClient c = start(100, StreamKitClient.builder().streamStartTimeout(Duration.ofMillis(200)));
    try (BidiStream<Message, Message> quiet = c.chat()) {
      Thread.sleep(1_000); // no message either way, and this server sends no headers before its first reply
      assertThat(quiet.isOpen()).isTrue();
      assertThat(echo(quiet, "late")).isEqualTo("late");
    }
  }

  @Test
  void streamsHaveNoDeadlineByDefaultAndAViewWithADeadlineEndsThemWithDeadlineExceeded() throws Exception {
    StreamKitClient c = start(100, StreamKitClient.builder());
    try (BidiStream<Message, Message> limited = c.withDeadline(Duration.ofMillis(300)).chat();
        BidiStream<Message, Message> unlimited = c.chat()) {
      assertThatThrownBy(() -> limited.receive(WAIT))
          .isInstanceOfSatisfying(StreamKitException.class,
              e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

      Thread.sleep(500);
      assertThat(unlimited.isOpen()).isTrue();
      assertThat(echo(unlimited, "still open")).isEqualTo("still open");
    }
  }

  @Test
  void aStreamDeadlineSetOnTheBuilderAppliesToEveryStream() throws Exception {
    StreamKitClient c = start(100, StreamKitClient.builder().streamDeadline(Duration.ofMillis(300)));
    try (BidiStream<Message, Message> stream = c.chat()) {
      assertThatThrownBy(() -> stream.receive(WAIT))
          .isInstanceOfSatisfying(StreamKitException.class,
              e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }
  }

  @Test
  void compressionIsChosenPerClientAndPerCall() throws Exception {
    StreamKitClient c = start(100, StreamKitClient.builder());
    try (BidiStream<Message, Message> plain = c.chat();
        BidiStream<Message, Message> gzip = c.withCompression("gzip").chat()) {
      assertThat(echo(plain, "a")).isEqualTo("a");
      assertThat(echo(gzip, "b")).isEqualTo("b");
    }
    StreamKitClient gzipClient = StreamKitClient.builder().target("127.0.0.1:" + server.getPort())
        .compression("gzip").build();
    try (BidiStream<Message, Message> stream = gzipClient.chat()) {
      assertThat(echo(stream, "c")).isEqualTo("c");
    } finally {
      gzipClient.close();
    }
    assertThat(requestEncodings).containsExactlyInAnyOrder("identity", "gzip", "gzip");
  }

  @Test
  void aReplyOverTheClientsSizeLimitFailsTheStreamWithResourceExhaustedNamingTheLimit() throws Exception {
    StreamKitClient c = start(100, StreamKitClient.builder().maxInboundMessageSize(1024));
    try (BidiStream<Message, Message> stream = c.chat()) {
      assertThatThrownBy(() -> echo(stream, "x".repeat(2000)))
          .isInstanceOfSatisfying(StreamKitException.class, e -> {
            assertThat(e.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(e.status().getDescription()).contains("1024");
          });
    }
    try (BidiStream<Message, Message> next = c.chat()) {
      assertThat(echo(next, "small")).isEqualTo("small"); // the client and its connection go on
    }
  }

  @Test
  void theBuilderRejectsBadCallSettingsNamingTheField() {
    StreamKitClient.Builder b = StreamKitClient.builder();
    assertThatThrownBy(() -> b.compression("br")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("compression: 'br' (expected: gzip or identity)");
    assertThatThrownBy(() -> b.streamStartTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("streamStartTimeout: PT0S (expected: > 0)");
    assertThatThrownBy(() -> b.keepAlive(Duration.ofSeconds(30), Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("keepAliveTimeout: PT-1S (expected: > 0)");
    assertThatThrownBy(() -> b.streamDeadline(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("streamDeadline: PT0S (expected: > 0)");
  }

  private static String echo(BidiStream<Message, Message> stream, String text) throws Exception {
    stream.send(Message.newBuilder().setId(text).setRoute("echo").setPayload(ByteString.copyFromUtf8(text)).build());
    Message reply = stream.receive(WAIT);
    return reply.getPayload().toStringUtf8();
  }

  /** Echoes every message of a Chat stream; ends when the client half-closes. */
  private static final class Echo extends StreamServiceGrpc.StreamServiceImplBase {
    @Override
    public StreamObserver<Message> chat(StreamObserver<Message> responses) {
      return new StreamObserver<>() {
        @Override
        public void onNext(Message m) {
          responses.onNext(m.toBuilder().setCorrelationId(m.getId()).build());
        }

        @Override
        public void onError(Throwable t) {
          // the client cancelled: nothing to clean up
        }

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      };
    }
  }
}
