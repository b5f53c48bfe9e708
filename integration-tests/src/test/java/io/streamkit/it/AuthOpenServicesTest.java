package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.security.BearerTokenAuthenticator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a server with an authenticator refuses and what it leaves open (docs/SECURITY.md, "What stays open"), with
 * the real client and a plain grpc-java channel: Publish with a bad or no token is refused UNAUTHENTICATED with a
 * typed reason and stores nothing; health and reflection answer without a token, and with a wrong one.
 */
@Timeout(60)
class AuthOpenServicesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private StreamKitServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() {
    server = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0))
        .authenticator(BearerTokenAuthenticator.of(Map.of("tok-alice", "alice"))).build().start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  private StreamKitClient client(String token) {
    StreamKitClient.Builder b = StreamKitClient.builder().target("127.0.0.1:" + server.port())
        .reconnectPolicy(ReconnectPolicy.disabled());
    return token == null ? b.build() : b.bearerToken(token).build();
  }

  private static Channel withToken(Channel channel, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static StreamKitException failure(CompletableFuture<?> call) {
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> call.get(WAIT.toSeconds(), TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(StreamKitException.class);
    return (StreamKitException) e.getCause();
  }

  @Test
  void publishWithABadTokenIsRefusedWithATypedReasonAndStoresNothing() throws Exception {
    try (StreamKitClient guesser = client("tok-alicf"); StreamKitClient nobody = client(null);
        StreamKitClient alice = client("tok-alice")) {
      StreamKitException oneCall = failure(guesser.publish("orders", ByteString.copyFromUtf8("forged")));
      assertThat(oneCall.status().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(oneCall.reason()).isEqualTo(ErrorReason.CREDENTIALS_REJECTED);
      assertThat(oneCall.getMessage()).doesNotContain("tok-alicf");

      try (EventPublisher stream = guesser.publisher()) {
        // The refusal may reach the client before its first send or only at complete(): either throws it.
        assertThatThrownBy(() -> {
          stream.publish("orders", ByteString.copyFromUtf8("forged too"));
          stream.complete();
        }).isInstanceOfSatisfying(StreamKitException.class, e -> {
          assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.reason()).isEqualTo(ErrorReason.CREDENTIALS_REJECTED);
        });
      }

      StreamKitException missing = failure(nobody.publish("orders", ByteString.copyFromUtf8("anonymous")));
      assertThat(missing.status().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(missing.reason()).isEqualTo(ErrorReason.CREDENTIALS_MISSING);

      // Nothing refused was stored: the first event from the oldest is alice's.
      alice.publish("orders", ByteString.copyFromUtf8("genuine")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      try (Subscription orders = alice.subscribe(List.of(TopicStart.oldest("orders")))) {
        var first = orders.next(WAIT);
        assertThat(first.getPayload().toStringUtf8()).isEqualTo("genuine");
        assertThat(first.getOffset()).isEqualTo(1);
      }
    }
  }

  @Test
  void healthAnswersWithoutATokenAndWithAWrongOne() {
    for (Channel c : List.of(channel, withToken(channel, "not-a-token"))) {
      assertThat(HealthGrpc.newBlockingStub(c).withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
    }
  }

  @Test
  void reflectionAnswersWithoutATokenAndWithAWrongOneListingServicesOnly() throws Exception {
    for (Channel c : List.of(channel, withToken(channel, "not-a-token"))) {
      CompletableFuture<List<String>> names = new CompletableFuture<>();
      StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(c)
          .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
          .serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse r) {
              names.complete(r.getListServicesResponse().getServiceList().stream()
                  .map(ServiceResponse::getName).toList());
            }

            @Override
            public void onError(Throwable t) {
              names.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
          });
      requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
      requests.onCompleted();

      assertThat(names.get(WAIT.toSeconds(), TimeUnit.SECONDS)).containsExactlyInAnyOrder(
          "streamkit.v1.StreamService", "example.Greeter", "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection");
    }
  }

  @Test
  void theStreamKitServicesNextToThemStayClosed() {
    Status refused = Status.fromThrowable(org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
        () -> io.streamkit.api.v1.StreamServiceGrpc.newBlockingStub(withToken(channel, "not-a-token"))
            .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
            .publishEvent(io.streamkit.api.v1.PublishRequest.newBuilder().setTopic("orders").build())));
    assertThat(refused.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
  }
}
