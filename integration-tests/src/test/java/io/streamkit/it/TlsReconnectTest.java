package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.streamkit.api.v1.Event;
import io.streamkit.client.ClientTls;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.SubscribeOptions;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.broker.InMemoryBroker;
import io.streamkit.server.security.Authenticator;
import io.streamkit.server.security.Principal;
import io.streamkit.server.security.ServerTls;
import io.streamkit.testing.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client over TLS with a bearer token, across a server restart on the same port: the subscription resumes
 * where it was, without a gap or a duplicate, and the token is sent again on the new TLS connection, as the
 * server's authenticator sees it (tokens recorded per TLS session, one session per connection).
 */
@Timeout(60)
class TlsReconnectTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path dir;

  /** Accepts "tok-alice" as alice; records, per TLS session, every token it was shown. */
  static final class RecordingAuthenticator implements Authenticator {
    final Map<String, Set<String>> tokensBySession = new LinkedHashMap<>();

    @Override
    public synchronized Principal authenticate(Metadata headers, Optional<SSLSession> tls) throws StatusException {
      String session = tls.map(s -> HexFormat.of().formatHex(s.getId()) + "@" + s.getCreationTime())
          .orElse("plaintext");
      String header = headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER));
      tokensBySession.computeIfAbsent(session, k -> new TreeSet<>()).add(String.valueOf(header));
      if (!"Bearer tok-alice".equals(header)) {
        throw Status.UNAUTHENTICATED.withDescription("unknown bearer token").asException();
      }
      return new Principal("alice", "bearer");
    }

    synchronized Map<String, Set<String>> snapshot() {
      Map<String, Set<String>> copy = new LinkedHashMap<>();
      tokensBySession.forEach((k, v) -> copy.put(k, new TreeSet<>(v)));
      return copy;
    }
  }

  private static StreamKitServer server(int port, TestPki.Issued cert, InMemoryBroker broker,
      Authenticator authenticator) {
    return StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(port))
        .tls(ServerTls.builder().certificateChain(cert.certificate()).privateKey(cert.key()).build())
        .broker(broker).authenticator(authenticator).build().start();
  }

  @Test
  void aSubscriptionResumesAfterTheServerRestartsAndTheTokenIsSentOnTheNewConnection() throws Exception {
    TestPki pki = TestPki.create(dir, "reconnect-ca");
    TestPki.Issued cert = pki.server();
    RecordingAuthenticator authenticator = new RecordingAuthenticator();
    ReconnectPolicy quick = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(50))
        .maxDelay(Duration.ofMillis(300)).build();
    // One broker outlives both servers (an application-supplied broker is not closed with the server), so the
    // history is the same and the resume must be exact.
    try (InMemoryBroker broker = InMemoryBroker.builder().build()) {
      StreamKitServer first = server(0, cert, broker, authenticator);
      int port = first.port();
      StreamKitServer second = null;
      try (StreamKitClient client = StreamKitClient.builder().target("localhost:" + port)
              .tls(ClientTls.trustingCa(pki.caCertificate())).bearerToken("tok-alice").reconnectPolicy(quick)
              .build();
          Subscription orders = client.subscribe(List.of(TopicStart.oldest("orders")),
              SubscribeOptions.builder().reconnectPolicy(quick).stopOnDiscontinuity().build())) {
        for (int i = 1; i <= 3; i++) {
          client.publish("orders", ByteString.copyFromUtf8("e" + i)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        for (int i = 1; i <= 3; i++) {
          assertThat(orders.next(WAIT).getPayload().toStringUtf8()).isEqualTo("e" + i);
        }
        Map<String, Set<String>> beforeRestart = authenticator.snapshot();
        assertThat(beforeRestart).hasSize(1);

        first.closeNow();
        second = server(port, cert, broker, authenticator);
        broker.publish("orders", ByteString.copyFromUtf8("e4"), Map.of()).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        Event resumed = orders.next(WAIT);
        assertThat(resumed.getPayload().toStringUtf8()).as("the next event, no gap, no duplicate").isEqualTo("e4");
        assertThat(resumed.getOffset()).isEqualTo(4);
        client.publish("orders", ByteString.copyFromUtf8("e5")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(orders.next(WAIT).getOffset()).isEqualTo(5);

        Map<String, Set<String>> after = authenticator.snapshot();
        assertThat(after).as("a second TLS session: the client reconnected").hasSize(2);
        after.values().forEach(tokens -> assertThat(tokens).containsExactly("Bearer tok-alice"));
      } finally {
        first.closeNow();
        if (second != null) {
          second.closeNow();
        }
      }
    }
  }
}
