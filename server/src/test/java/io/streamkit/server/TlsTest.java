package io.streamkit.server;

import static io.streamkit.server.SecurityFixtures.WAIT;
import static io.streamkit.server.SecurityFixtures.chat;
import static io.streamkit.server.SecurityFixtures.payloads;
import static io.streamkit.server.SecurityFixtures.tlsChannel;
import static io.streamkit.server.TestHandlers.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.server.security.ServerTls;
import io.streamkit.testing.TlsRejection;
import io.streamkit.testing.TestPki;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
  @TempDir Path dir;
  private TestPki pki;
  private TestPki.Issued serverCert;

  @BeforeEach
  void makeCertificates() throws Exception {
    pki = TestPki.create(dir, "test-ca");
    serverCert = pki.server();
  }

  private ServerTls.Builder serverTls() {
    return ServerTls.builder().certificateChain(serverCert.certificate()).privateKey(serverCert.key());
  }

  @Test
  void aClientTrustingTheCaChatsOverTls() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.tls(serverTls().build()))) {
      ManagedChannel tls = tlsChannel(s.server.port(), pki, null);
      try {
        RecordingObserver<Message> replies = chat(tls, msg("1", "echo", "over tls"));

        assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
        assertThat(payloads(replies)).containsExactly("over tls");
      } finally {
        tls.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aPlaintextClientAgainstATlsServerFailsWithUnavailable() throws Exception {
    try (LoopbackServer s = LoopbackServer.start(b -> b.tls(serverTls().build()))) {
      RecordingObserver<Message> replies = chat(s.channel, msg("1", "echo", "in clear"));

      assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(replies.values).isEmpty();
    }
  }

  @Test
  void withAClientCaAClientWithoutACertificateIsRejectedBeforeAnyHandlerOpens() throws Exception {
    SecurityFixtures.WhoAmI whoami = new SecurityFixtures.WhoAmI();
    ServerTls mutual = serverTls().clientCa(pki.caCertificate()).build();
    try (LoopbackServer s = LoopbackServer.start(b -> b.tls(mutual).handler(whoami))) {
      ManagedChannel noCert = tlsChannel(s.server.port(), pki, null);
      try {
        RecordingObserver<Message> replies = chat(noCert, msg("1", "whoami", ""));

        // Refused by the TLS handshake, not merely UNAVAILABLE (a stopped server gives that too).
        TlsRejection.assertHandshakeRejected(replies.awaitStatus(WAIT));
        assertThat(replies.values).isEmpty();
        assertThat(whoami.opens).hasValue(0);
      } finally {
        noCert.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void withAClientCaACertificateFromAnotherCaIsRejected() throws Exception {
    TestPki rogue = TestPki.create(dir, "rogue-ca");
    ServerTls mutual = serverTls().clientCa(pki.caCertificate()).build();
    try (LoopbackServer s = LoopbackServer.start(b -> b.tls(mutual))) {
      ManagedChannel foreign = tlsChannel(s.server.port(), pki, rogue.client("mallory"));
      try {
        RecordingObserver<Message> replies = chat(foreign, msg("1", "echo", "let me in"));

        TlsRejection.assertHandshakeRejected(replies.awaitStatus(WAIT));
        assertThat(replies.values).isEmpty();
      } finally {
        foreign.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void withAClientCaTheCertificatesCommonNameReachesTheHandlerAsPrincipal() throws Exception {
    ServerTls mutual = serverTls().clientCa(pki.caCertificate()).build();
    try (LoopbackServer s = LoopbackServer.start(b -> b.tls(mutual).handler(new SecurityFixtures.WhoAmI()))) {
      ManagedChannel alice = tlsChannel(s.server.port(), pki, pki.client("alice"));
      try {
        RecordingObserver<Message> replies = chat(alice, msg("1", "whoami", ""));

        assertThat(replies.awaitStatus(WAIT).getCode()).isEqualTo(Status.Code.OK);
        assertThat(payloads(replies)).containsExactly("alice (tls)");
      } finally {
        alice.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
