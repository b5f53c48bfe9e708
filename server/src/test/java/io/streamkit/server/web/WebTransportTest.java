package io.streamkit.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamkit.server.LoopbackServer;
import io.streamkit.server.security.ServerTls;
import io.streamkit.testing.TestPki;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/1.1, h2c and HTTP/2 over TLS with ALPN, on the same port; connection limits. */
@Timeout(60)
class WebTransportTest {

  @Test
  void aPlaintextClientUpgradesToH2cAndCallsOverHttp2() throws Exception {
    try (LoopbackServer s = WebServers.start()) {
      WebClient web = new WebClient(s.server.httpPort(), HttpClient.Version.HTTP_2);

      HttpResponse<String> topics = web.get("/v1/topics", Map.of());
      HttpResponse<String> publish = web.postJson("/streamkit.v1.StreamService/PublishEvent", "{\"topic\":\"h2\"}");

      assertThat(topics.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(topics.statusCode()).isEqualTo(200);
      assertThat(publish.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(publish.body()).contains("\"h2\":\"1\"");
    }
  }

  @Test
  void withTlsBrowsersGetHttp2ByAlpnAndHttp11StillWorks(@TempDir Path dir) throws Exception {
    TestPki pki = TestPki.create(dir, "web-ca");
    TestPki.Issued cert = pki.server();
    ServerTls tls = ServerTls.builder().certificateChain(cert.certificate()).privateKey(cert.key()).build();
    try (LoopbackServer s = WebServers.start(h -> {}, b -> b.tls(tls))) {
      SSLContext trust = trusting(pki.caCertificate());
      for (HttpClient.Version version : HttpClient.Version.values()) {
        HttpClient client = HttpClient.newBuilder().sslContext(trust).version(version).build();
        HttpRequest request = HttpRequest.newBuilder(
                URI.create("https://localhost:" + s.server.httpPort() + "/grpc.health.v1.Health/Check"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build();

        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(r.version()).isEqualTo(version);
        assertThat(r.body()).isEqualTo("{\"status\":\"SERVING\"}");
      }
    }
  }

  @Test
  void connectionsPastTheLimitAreClosedAndTheOthersServed() throws Exception {
    try (LoopbackServer s = WebServers.start(h -> h.maxConnections(1), b -> {})) {
      WebClient web = new WebClient(s.server.httpPort());
      try (InputStream held = web.stream("/v1/events?topic=held", Map.of()).body();
          Socket extra = new Socket("127.0.0.1", s.server.httpPort())) {
        extra.setSoTimeout(5_000);
        extra.getOutputStream().write("GET /v1/topics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());

        assertThat(extra.getInputStream().read()).as("the refused connection is closed").isEqualTo(-1);
        assertThat(WebClient.readEvent(held)).contains(": subscribed");
      }
    }
  }

  @Test
  void anIdleConnectionIsClosedButAQuietEventStreamIsNot() throws Exception {
    try (LoopbackServer s = WebServers.start(h -> h.idleTimeout(Duration.ofMillis(300))
        .sseHeartbeat(Duration.ofSeconds(60)), b -> {})) {
      try (Socket idle = new Socket("127.0.0.1", s.server.httpPort());
          InputStream stream = new WebClient(s.server.httpPort()).stream("/v1/events?topic=q", Map.of()).body()) {
        idle.setSoTimeout(5_000);
        assertThat(idle.getInputStream().read()).as("closed by the idle timeout").isEqualTo(-1);
        Thread.sleep(1_000);
        s.server.broker().publish("q", com.google.protobuf.ByteString.copyFromUtf8("still here"), Map.of()).join();
        String block;
        do {
          block = WebClient.readEvent(stream);
        } while (block != null && !block.contains("data: "));
        assertThat(block).contains("\"topic\":\"q\"");
      }
    }
  }

  @Test
  void aClientThatExpects100ContinueGetsItThenItsAnswer() throws Exception {
    try (LoopbackServer s = WebServers.start(); Socket socket = new Socket("127.0.0.1", s.server.httpPort())) {
      socket.setSoTimeout(10_000);
      byte[] body = "{\"topic\":\"curl\"}".getBytes();
      socket.getOutputStream().write(("POST /streamkit.v1.StreamService/PublishEvent HTTP/1.1\r\nHost: x\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\nExpect: 100-continue\r\n\r\n")
          .getBytes());
      java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream()));

      assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
      in.readLine(); // the blank line that ends it
      socket.getOutputStream().write(body);
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
    }
  }

  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
