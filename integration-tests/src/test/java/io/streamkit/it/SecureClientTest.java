package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.client.ClientTls;
import io.streamkit.client.EventPublisher;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import io.streamkit.server.security.Authorizer;
import io.streamkit.server.security.BearerTokenAuthenticator;
import io.streamkit.server.security.Principal;
import io.streamkit.server.security.ServerTls;
import io.streamkit.testing.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client facade's TLS, mutual TLS and bearer tokens against a real server in this JVM. */
class SecureClientTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private TestPki pki;
  private TestPki.Issued serverCert;

  /** Route {@code whoami}: replies with the stream's principal as "name (scheme)". */
  static final class WhoAmI implements MessageHandler {
    @Override
    public String route() {
      return "whoami";
    }

    @Override
    public void onMessage(StreamContext context, Message message) {
      String who = context.principal().map(p -> p.name() + " (" + p.scheme() + ")").orElse("anonymous");
      context.reply(message, Message.newBuilder().setPayload(ByteString.copyFromUtf8(who)).build());
    }
  }

  /** Only alice may use the topic {@code payroll}. */
  static final class PayrollForAlice implements Authorizer {
    private static boolean allowed(Optional<Principal> principal, String topic) {
      return !topic.equals("payroll") || principal.map(p -> p.name().equals("alice")).orElse(false);
    }

    @Override
    public boolean maySubscribe(Optional<Principal> principal, String topic) {
      return allowed(principal, topic);
    }

    @Override
    public boolean mayPublish(Optional<Principal> principal, String topic) {
      return allowed(principal, topic);
    }
  }

  @BeforeEach
  void makeCertificates() throws Exception {
    pki = TestPki.create(dir, "it-ca");
    serverCert = pki.server();
  }

  private StreamKitServer server(Consumer<ServerTls.Builder> tls, Consumer<StreamKitServer.Builder> more) {
    ServerTls.Builder t = ServerTls.builder().certificateChain(serverCert.certificate()).privateKey(serverCert.key());
    tls.accept(t);
    StreamKitServer.Builder b = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).tls(t.build())
        .handler(new WhoAmI());
    more.accept(b);
    return b.build().start();
  }

  private static String whoami(StreamKitClient client) throws Exception {
    return client.call("whoami", ByteString.EMPTY).get().getPayload().toStringUtf8();
  }

  @Test
  void aClientTrustingTheCaCallsOverTlsAndABearerTokenNamesIt() throws Exception {
    try (StreamKitServer server = server(t -> {},
            b -> b.authenticator(BearerTokenAuthenticator.of(Map.of("tok-alice", "alice"))));
        StreamKitClient alice = StreamKitClient.builder().target("localhost:" + server.port())
            .tls(ClientTls.trustingCa(pki.caCertificate())).bearerToken("tok-alice").build();
        StreamKitClient anonymous = StreamKitClient.builder().target("localhost:" + server.port())
            .tls(ClientTls.trustingCa(pki.caCertificate())).build()) {
      assertThat(whoami(alice)).isEqualTo("alice (bearer)");

      assertThatThrownBy(() -> whoami(anonymous))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(StreamKitException.class)
          .hasMessage("UNAUTHENTICATED: missing bearer token: send 'authorization: Bearer <token>'");
    }
  }

  @Test
  void aClientCertificatesCommonNameIsThePrincipalUnderMutualTls() throws Exception {
    TestPki.Issued carol = pki.client("carol");
    try (StreamKitServer server = server(t -> t.clientCa(pki.caCertificate()), b -> {});
        StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port())
            .tls(ClientTls.trustingCa(pki.caCertificate()).withClientCertificate(carol.certificate(), carol.key()))
            .build()) {
      assertThat(whoami(client)).isEqualTo("carol (tls)");
    }
  }

  @Test
  void aClientThatDoesNotTrustTheServersCaFailsWithUnavailable() throws Exception {
    TestPki other = TestPki.create(dir, "other-ca");
    try (StreamKitServer server = server(t -> {}, b -> {});
        StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port())
            .tls(ClientTls.trustingCa(other.caCertificate())).build()) {
      assertThatThrownBy(() -> whoami(client))
          .cause().isInstanceOf(StreamKitException.class)
          .satisfies(e -> assertThat(((StreamKitException) e).status().getCode()).isEqualTo(Status.Code.UNAVAILABLE))
          .hasCauseInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }
  }

  @Test
  void deniedAndUnauthenticatedSubscriptionsEndInsteadOfRetrying() throws Exception {
    // A quick policy: were these statuses retried, the subscriptions would still be reconnecting at the end.
    ReconnectPolicy quick = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(10))
        .maxDelay(Duration.ofMillis(50)).build();
    try (StreamKitServer server = server(t -> {}, b -> b.authorizer(new PayrollForAlice())
            .authenticator(BearerTokenAuthenticator.of(Map.of("tok-alice", "alice", "tok-bob", "bob"))));
        StreamKitClient bob = client(server, "tok-bob");
        StreamKitClient alice = client(server, "tok-alice");
        StreamKitClient nobody = StreamKitClient.builder().target("127.0.0.1:" + server.port())
            .tls(ClientTls.trustingCa(pki.caCertificate())).reconnectPolicy(quick).build();
        Subscription denied = bob.subscribe(List.of(TopicStart.oldest("payroll")), quick);
        Subscription refused = nobody.subscribe(List.of(TopicStart.oldest("payroll")));
        Subscription allowed = alice.subscribe(List.of(TopicStart.oldest("payroll")))) {
      assertThatThrownBy(() -> denied.next(WAIT))
          .isInstanceOf(StreamKitException.class)
          .hasMessage("PERMISSION_DENIED: principal 'bob' (bearer) may not subscribe to topic 'payroll'");
      assertThatThrownBy(() -> refused.next(WAIT))
          .isInstanceOf(StreamKitException.class)
          .satisfies(e -> assertThat(((StreamKitException) e).status().getCode())
              .isEqualTo(Status.Code.UNAUTHENTICATED));

      try (EventPublisher bobPublishes = bob.publisher()) {
        bobPublishes.publish("payroll", ByteString.copyFromUtf8("raise for bob"));
        assertThatThrownBy(bobPublishes::complete)
            .isInstanceOf(StreamKitException.class)
            .satisfies(e -> assertThat(((StreamKitException) e).status().getCode())
                .isEqualTo(Status.Code.PERMISSION_DENIED));
      }
      try (EventPublisher alicePublishes = alice.publisher()) {
        alicePublishes.publish("payroll", ByteString.copyFromUtf8("april"));
        assertThat(alicePublishes.complete().getCount()).isEqualTo(1);
      }
      assertThat(allowed.next(WAIT).getPayload().toStringUtf8()).isEqualTo("april");
    }
  }

  private StreamKitClient client(StreamKitServer server, String token) {
    return StreamKitClient.builder().target("127.0.0.1:" + server.port())
        .tls(ClientTls.trustingCa(pki.caCertificate())).bearerToken(token).build();
  }
}
