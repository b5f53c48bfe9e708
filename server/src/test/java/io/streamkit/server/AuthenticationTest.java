package io.streamkit.server;

import static io.streamkit.server.PushFixtures.event;
import static io.streamkit.server.PushFixtures.live;
import static io.streamkit.server.PushFixtures.publish;
import static io.streamkit.server.PushFixtures.subscribe;
import static io.streamkit.server.SecurityFixtures.WAIT;
import static io.streamkit.server.SecurityFixtures.chat;
import static io.streamkit.server.SecurityFixtures.payloads;
import static io.streamkit.server.SecurityFixtures.withToken;
import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.streamkit.api.example.GreeterGrpc;
import io.streamkit.api.example.MessageRequest;
import io.streamkit.api.example.MessageResponse;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.server.security.BearerTokenAuthenticator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bearer tokens over real Netty: refused calls never reach a handler or the broker. */
class AuthenticationTest {
  private final SecurityFixtures.WhoAmI whoami = new SecurityFixtures.WhoAmI();
  private final SecurityFixtures.CountingBroker broker = new SecurityFixtures.CountingBroker();

  private LoopbackServer start() {
    return LoopbackServer.start(b -> b.handler(whoami).broker(broker)
        .authenticator(BearerTokenAuthenticator.of(Map.of("s3cret-alice", "alice", "s3cret-bob", "bob"))));
  }

  @Test
  void callsWithoutATokenFailUnauthenticatedBeforeAnyHandlerOrBrokerWork() throws Exception {
    try (LoopbackServer s = start(); broker) {
      RecordingObserver<Message> chat = chat(s.channel, msg("1", "whoami", ""));
      RecordingObserver<Event> events = subscribe(s.channel, live("orders"));
      RecordingObserver<PublishAck> ack = publish(s.channel, List.of(event("orders", "x")));

      for (RecordingObserver<?> call : List.of(chat, events, ack)) {
        Status status = call.awaitStatus(WAIT);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(status.getDescription())
            .isEqualTo("missing bearer token: send 'authorization: Bearer <token>'");
        assertThat(call.awaitErrorInfo(WAIT).getReason()).isEqualTo("CREDENTIALS_MISSING");
        assertThat(call.awaitErrorInfo(WAIT).getMetadataMap()).isEqualTo(Map.of("scheme", "bearer"));
        assertThat(call.values).isEmpty();
      }
      assertThat(whoami.opens).hasValue(0);
      assertThat(broker.subscribes).hasValue(0);
      assertThat(broker.publishes).hasValue(0);
      assertThat(s.server.stats().streamsOpened()).isZero();
    }
  }

  @Test
  void anUnknownTokenFailsUnauthenticatedWithoutEchoingIt() throws Exception {
    try (LoopbackServer s = start(); broker) {
      Channel guess = withToken(s.channel, "s3cret-alicf");
      RecordingObserver<Message> chat = chat(guess, msg("1", "whoami", ""));
      RecordingObserver<Event> events = subscribe(guess, live("orders"));

      for (RecordingObserver<?> call : List.of(chat, events)) {
        Status status = call.awaitStatus(WAIT);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(status.getDescription()).isEqualTo("unknown bearer token");
        assertThat(call.awaitErrorInfo(WAIT).getReason()).isEqualTo("CREDENTIALS_REJECTED");
      }
      assertThat(whoami.opens).hasValue(0);
      assertThat(broker.subscribes).hasValue(0);
    }
  }

  @Test
  void aKnownTokensPrincipalReachesTheHandler() throws Exception {
    try (LoopbackServer s = start(); broker) {
      RecordingObserver<Message> alice = chat(withToken(s.channel, "s3cret-alice"), msg("1", "whoami", ""));
      RecordingObserver<Message> bob = chat(withToken(s.channel, "s3cret-bob"), msg("1", "whoami", ""));

      assertThat(alice.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
      assertThat(payloads(alice)).containsExactly("alice (bearer)");
      assertThat(payloads(bob)).containsExactly("bob (bearer)");
    }
  }

  @Test
  void theGreeterServiceIsAuthenticatedToo() throws Exception {
    try (LoopbackServer s = start(); broker) {
      RecordingObserver<MessageResponse> refused = new RecordingObserver<>();
      GreeterGrpc.newStub(s.channel).chat(refused).onCompleted();
      RecordingObserver<MessageResponse> allowed = new RecordingObserver<>();
      var requests = GreeterGrpc.newStub(withToken(s.channel, "s3cret-bob")).chat(allowed);
      requests.onNext(MessageRequest.newBuilder().setContent("hi").build());
      requests.onCompleted();

      assertThat(refused.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(allowed.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
      assertThat(allowed.values).hasSize(1);
    }
  }

  @Test
  void healthStaysOpenWithoutAToken() throws Exception {
    try (LoopbackServer s = start(); broker) {
      HealthCheckResponse health =
          HealthGrpc.newBlockingStub(s.channel).check(HealthCheckRequest.getDefaultInstance());

      assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }
  }
}
