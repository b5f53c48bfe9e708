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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.server.security.Authorizer;
import io.streamkit.server.security.BearerTokenAuthenticator;
import io.streamkit.server.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An Authorizer over real Netty: bob is denied the route 'whoami' and the topic 'secret'; alice is served. */
class AuthorizationTest {
  private final SecurityFixtures.CountingBroker broker = new SecurityFixtures.CountingBroker();

  /** Denies bob the route {@code whoami} and the topic {@code secret}. */
  static final class NotBob implements Authorizer {
    private static boolean bob(Optional<Principal> principal) {
      return principal.map(p -> p.name().equals("bob")).orElse(true);
    }

    @Override
    public boolean mayChat(Optional<Principal> principal, String route) {
      return !(bob(principal) && route.equals("whoami"));
    }

    @Override
    public boolean maySubscribe(Optional<Principal> principal, String topic) {
      return !(bob(principal) && topic.equals("secret"));
    }

    @Override
    public boolean mayPublish(Optional<Principal> principal, String topic) {
      return !(bob(principal) && topic.equals("secret"));
    }
  }

  private LoopbackServer start() {
    return LoopbackServer.start(b -> b.handler(new SecurityFixtures.WhoAmI()).broker(broker)
        .authenticator(BearerTokenAuthenticator.of(Map.of("t-alice", "alice", "t-bob", "bob")))
        .authorizer(new NotBob()));
  }

  @Test
  void aDeniedRouteGetsAPermissionDeniedReplyAndTheStreamStaysOpen() throws Exception {
    try (LoopbackServer s = start(); broker) {
      RecordingObserver<Message> bob = chat(withToken(s.channel, "t-bob"),
          msg("1", "whoami", ""), msg("2", "echo", "still here"));
      RecordingObserver<Message> alice = chat(withToken(s.channel, "t-alice"), msg("1", "whoami", ""));

      assertThat(bob.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
      assertThat(bob.values).hasSize(2);
      Message denied = bob.values.get(0);
      assertThat(denied.getCorrelationId()).isEqualTo("1");
      assertThat(denied.getError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
      assertThat(denied.getError().getMessage()).isEqualTo("principal 'bob' (bearer) may not send to route 'whoami'");
      assertThat(denied.getError().getReason()).isEqualTo("NOT_AUTHORIZED");
      assertThat(denied.getError().getMetadataMap()).isEqualTo(Map.of("route", "whoami"));
      assertThat(bob.values.get(1).getPayload().toStringUtf8()).isEqualTo("still here");
      assertThat(payloads(alice)).containsExactly("alice (bearer)");
    }
  }

  @Test
  void aDeniedTopicFailsTheSubscribeCallBeforeAnyBrokerWorkWhileOthersAreServed() throws Exception {
    try (LoopbackServer s = start(); broker) {
      RecordingObserver<Event> bob = subscribe(withToken(s.channel, "t-bob"), live("news"), live("secret"));
      Status status = bob.awaitStatus(WAIT);
      ErrorInfo reason = bob.awaitErrorInfo(WAIT);
      assertThat(reason.getReason()).isEqualTo("NOT_AUTHORIZED");
      assertThat(reason.getMetadataMap()).isEqualTo(Map.of("topic", "secret"));

      assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(status.getDescription()).isEqualTo("principal 'bob' (bearer) may not subscribe to topic 'secret'");
      assertThat(broker.subscribes).as("not even 'news', listed before the denied topic").hasValue(0);

      RecordingObserver<Event> alice = subscribe(withToken(s.channel, "t-alice"), live("secret"));
      PushFixtures.awaitOpenStreams(s.server, 1);
      org.awaitility.Awaitility.await().atMost(WAIT).until(() -> broker.subscribes.get() == 1);
      s.server.broker().publish("secret", ByteString.copyFromUtf8("for alice"), Map.of()).join();
      alice.awaitValues(1, WAIT);
      assertThat(alice.values.get(0).getPayload().toStringUtf8()).isEqualTo("for alice");
    }
  }

  @Test
  void aDeniedTopicFailsThePublishCallSayingHowManyWerePublishedBeforeIt() throws Exception {
    try (LoopbackServer s = start(); broker) {
      Channel bob = withToken(s.channel, "t-bob");
      RecordingObserver<PublishAck> denied =
          publish(bob, List.of(event("news", "1"), event("news", "2"), event("secret", "3"), event("news", "4")));
      RecordingObserver<PublishAck> alice = publish(withToken(s.channel, "t-alice"), List.of(event("secret", "a")));

      Status status = denied.awaitStatus(WAIT);
      assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(status.getDescription()).isEqualTo("request 3 rejected: principal 'bob' (bearer) may not publish"
          + " to topic 'secret'; the 2 event(s) before it were published and stay published");
      assertThat(denied.awaitErrorInfo(WAIT).getMetadataMap()).isEqualTo(Map.of(
          "topic", "secret", "failed_request", "3", "stored_count", "2", "last_offsets", "news=2"));
      assertThat(alice.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
      assertThat(alice.values.get(0).getLastOffsetsMap()).containsEntry("secret", 1L);
      assertThat(broker.publishes).as("news 1, news 2, alice's secret").hasValue(3);
    }
  }

  @Test
  void anAuthorizerThatThrowsDeniesWithInternal() throws Exception {
    Authorizer broken = new Authorizer() {
      @Override
      public boolean mayChat(Optional<Principal> principal, String route) {
        throw new IllegalStateException("policy store down");
      }
    };
    try (LoopbackServer s = LoopbackServer.start(b -> b.authorizer(broken))) {
      RecordingObserver<Message> replies = chat(s.channel, msg("1", "echo", "x"));

      assertThat(replies.values).hasSize(1);
      assertThat(replies.values.get(0).getError().getCode()).isEqualTo(Status.Code.INTERNAL.value());
      assertThat(replies.values.get(0).getError().getMessage())
          .isEqualTo("authorization failed while deciding whether an unauthenticated caller may send to route"
              + " 'echo'; see the server log");
    }
  }

  @Test
  void twoAuthorizersStopStartUpNamingBothClasses() {
    Authorizer other = new Authorizer() {};
    assertThatThrownBy(() -> StreamKitServer.builder().settings(o -> o.port(0)).authorizer(new NotBob()).authorizer(other).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("more than one Authorizer")
        .hasMessageContaining(NotBob.class.getName())
        .hasMessageContaining(other.getClass().getName());
  }
}
