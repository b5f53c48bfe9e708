package io.streamkit.server.internal.web;

import io.grpc.Metadata;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * gRPC metadata to and from HTTP headers: request headers become the call's Metadata (what an Authenticator reads),
 * response metadata becomes headers (or Connect's {@code trailer-} headers, or gRPC-Web's trailer block).
 * Binary ({@code -bin}) values travel in base64. Stateless.
 */
final class MetadataHeaders {
  /** Headers that describe the HTTP exchange itself, not the call. */
  private static final Set<String> HOP = Set.of("connection", "keep-alive", "te", "transfer-encoding", "upgrade",
      "host", "content-length", "http2-settings", "proxy-connection");

  private MetadataHeaders() {}

  /**
   * The call's request Metadata. {@code bearerFromQuery} (the {@code access_token} parameter, for EventSource,
   * which cannot set headers) becomes {@code authorization: Bearer ...} when the request has no Authorization header.
   */
  static Metadata toMetadata(HttpHeaders headers, String bearerFromQuery) {
    Metadata metadata = new Metadata();
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith(":") || HOP.contains(name)) {
        continue;
      }
      try {
        if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          metadata.put(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER), Base64.getDecoder().decode(pad(h.getValue())));
        } else {
          metadata.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), h.getValue());
        }
      } catch (IllegalArgumentException e) {
        // A header name gRPC cannot carry, or a -bin value that is not base64: not part of the call.
      }
    }
    if (bearerFromQuery != null && !headers.contains("authorization")) {
      metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + bearerFromQuery);
    }
    return metadata;
  }

  private static String pad(String base64) {
    int rest = base64.length() % 4;
    return rest == 0 ? base64 : base64 + "=".repeat(4 - rest);
  }

  /** Adds {@code metadata} to {@code out} with {@code prefix} before each name, leaving out {@code grpc-*} keys. */
  static void addTo(HttpHeaders out, Metadata metadata, String prefix) {
    if (metadata == null) {
      return;
    }
    for (String key : metadata.keys()) {
      if (key.startsWith("grpc-")) {
        continue;
      }
      for (String value : values(metadata, key)) {
        out.add(prefix + key, value);
      }
    }
  }

  /** The values of {@code key}, binary ones in base64 (no padding, as gRPC writes them). */
  static Iterable<String> values(Metadata metadata, String key) {
    if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
      Iterable<byte[]> bytes = metadata.getAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER));
      java.util.List<String> out = new java.util.ArrayList<>();
      if (bytes != null) {
        for (byte[] b : bytes) {
          out.add(Base64.getEncoder().withoutPadding().encodeToString(b));
        }
      }
      return out;
    }
    Iterable<String> v = metadata.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    return v == null ? java.util.List.of() : v;
  }

  /** Metadata as Connect's JSON object of arrays: {@code {"key":["value"]}}. */
  static void writeJson(Json json, Metadata metadata) {
    json.begin();
    if (metadata != null) {
      for (String key : metadata.keys()) {
        if (key.startsWith("grpc-")) {
          continue;
        }
        json.key(key).beginArray();
        for (String v : values(metadata, key)) {
          json.value(v);
        }
        json.endArray();
      }
    }
    json.end();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
