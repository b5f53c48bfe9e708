package io.streamkit.server.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A plain JDK HTTP client for the HTTP port, with the framing of Connect streaming and gRPC-Web, so that tests speak
 * the protocols byte by byte as a browser library would.
 */
final class WebClient {
  final HttpClient http;
  final String base;

  WebClient(int port, HttpClient.Version version) {
    this.http = HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5)).build();
    this.base = "http://127.0.0.1:" + port;
  }

  WebClient(int port) {
    this(port, HttpClient.Version.HTTP_1_1);
  }

  HttpResponse<byte[]> post(String path, String contentType, byte[] body, Map<String, String> headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<String> postJson(String path, String json) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json").header("Connect-Protocol-Version", "1")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path, Map<String, String> headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).GET();
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Opens a streaming GET (Server-Sent Events); the caller reads and closes the body. */
  HttpResponse<InputStream> stream(String path, Map<String, String> headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  static byte[] frame(int flags, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(5 + data.length);
    b.put((byte) flags).putInt(data.length).put(data);
    return b.array();
  }

  /** One frame read from a framed body. */
  record Frame(int flags, byte[] data) {
    String text() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  static List<Frame> frames(byte[] body) {
    List<Frame> out = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(body);
    while (b.remaining() >= 5) {
      int flags = b.get() & 0xff;
      byte[] data = new byte[b.getInt()];
      b.get(data);
      out.add(new Frame(flags, data));
    }
    return out;
  }

  /** Reads one Server-Sent Events block (up to a blank line) from {@code in}; null at the end of the stream. */
  static String readEvent(InputStream in) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    int previous = -1;
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n' && previous == '\n') {
        String text = block.toString(StandardCharsets.UTF_8);
        return text.substring(0, text.length() - 1); // without the first of the two newlines
      }
      block.write(c);
      previous = c;
    }
    return block.size() == 0 ? null : block.toString(StandardCharsets.UTF_8);
  }
}
