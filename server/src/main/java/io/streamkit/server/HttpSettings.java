package io.streamkit.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The HTTP port: a second listener, off by default, that serves browsers and other HTTP clients the same services
 * as the gRPC port (Connect, gRPC-Web, Server-Sent Events at {@code /v1/events}) and the web console at {@code /}.
 * It uses the gRPC port's event loops, TLS settings, authenticator and authorizer, message size
 * ({@link ServerSettings#maxInboundMessageSize()}) and header size ({@link ConnectionSettings#maxInboundMetadataSize()})
 * limits; what is specific to HTTP is here. docs/WEB.md describes the endpoints.
 *
 * <p>Immutable and thread-safe; built with {@link #builder()}, whose setters validate at once. Set on the server with
 * {@code StreamKitServer.builder().settings(o -> o.http(HttpSettings.builder().port(8080).build()))}.
 */
public final class HttpSettings {
  private static final HttpSettings OFF = builder().build();

  private final int port;
  private final List<String> corsOrigins;
  private final boolean console;
  private final Duration sseHeartbeat;
  private final Duration idleTimeout;
  private final int maxConnections;

  private HttpSettings(Builder b) {
    this.port = b.port;
    this.corsOrigins = List.copyOf(b.corsOrigins);
    this.console = b.console;
    this.sseHeartbeat = b.sseHeartbeat;
    this.idleTimeout = b.idleTimeout;
    this.maxConnections = b.maxConnections;
  }

  /** No HTTP port: the default. */
  public static HttpSettings off() {
    return OFF;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings, to change a few. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.port = port;
    b.corsOrigins.addAll(corsOrigins);
    b.console = console;
    b.sseHeartbeat = sseHeartbeat;
    b.idleTimeout = idleTimeout;
    b.maxConnections = maxConnections;
    return b;
  }

  /** Whether an HTTP port is served: {@link #port()} is not -1. */
  public boolean enabled() {
    return port >= 0;
  }

  /** -1 when off, 0 for a free port, else the port. */
  public int port() {
    return port;
  }

  /** Origins allowed to call from a browser page of another origin ({@code *} for any); empty for none. */
  public List<String> corsOrigins() {
    return corsOrigins;
  }

  /** Whether {@code GET /} serves the web console and {@code GET /v1/topics} its status. */
  public boolean console() {
    return console;
  }

  public Duration sseHeartbeat() {
    return sseHeartbeat;
  }

  /** Zero when off. */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  public int maxConnections() {
    return maxConnections;
  }

  @Override
  public String toString() {
    return "HttpSettings{port=" + port + ", corsOrigins=" + corsOrigins + ", console=" + console
        + ", sseHeartbeat=" + sseHeartbeat + ", idleTimeout=" + idleTimeout + ", maxConnections=" + maxConnections
        + "}";
  }

  /** Builds {@link HttpSettings}. Thread-compatible. Each setter names the field and value it rejects. */
  public static final class Builder {
    private int port = -1;
    private final List<String> corsOrigins = new ArrayList<>();
    private boolean console = true;
    private Duration sseHeartbeat = Duration.ofSeconds(15);
    private Duration idleTimeout = Duration.ofSeconds(60);
    private int maxConnections = 10_000;

    private Builder() {}

    /** -1 for no HTTP port, 0 for a free one (see {@code StreamKitServer.httpPort()}), else 1 to 65535. Default -1. */
    public Builder port(int port) {
      if (port < -1 || port > 65535) {
        throw new IllegalArgumentException(
            "httpPort: " + port + " (expected: -1 for none, 0 for a free port, or 1 to 65535)");
      }
      this.port = port;
      return this;
    }

    /**
     * Origins whose pages may call this port (CORS): each {@code scheme://host[:port]} exactly as a browser sends it
     * in its {@code Origin} header, or {@code *} for any origin. Replaces earlier ones. Default: none, so only pages
     * served by this port itself (the console) can call it from a browser.
     */
    public Builder corsOrigins(List<String> origins) {
      if (origins == null) {
        throw new IllegalArgumentException("corsOrigins: null (expected: a list of origins, empty for none)");
      }
      List<String> checked = new ArrayList<>();
      for (String origin : origins) {
        checked.add(checkOrigin(origin));
      }
      corsOrigins.clear();
      corsOrigins.addAll(checked);
      return this;
    }

    private static String checkOrigin(String origin) {
      String expected = " (expected: scheme://host[:port] as browsers send it in Origin, e.g. https://app.example.com,"
          + " or *)";
      if (origin == null || origin.isBlank()) {
        throw new IllegalArgumentException("corsOrigins: '" + origin + "'" + expected);
      }
      if (origin.equals("*")) {
        return origin;
      }
      try {
        URI uri = new URI(origin);
        boolean plain = uri.getScheme() != null && uri.getHost() != null
            && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null
            && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
        if (!plain) {
          throw new IllegalArgumentException("corsOrigins: '" + origin + "'" + expected);
        }
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("corsOrigins: '" + origin + "'" + expected, e);
      }
      return origin.toLowerCase(Locale.ROOT);
    }

    /** Whether to serve the web console at {@code GET /} (and its status at {@code GET /v1/topics}). Default true. */
    public Builder console(boolean enabled) {
      this.console = enabled;
      return this;
    }

    /**
     * How often a Server-Sent Events stream gets a comment line when it carries nothing else, so proxies and load
     * balancers do not close it as idle. Default 15 s; at least 1 s.
     */
    public Builder sseHeartbeat(Duration interval) {
      if (interval == null || interval.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("sseHeartbeat: " + interval + " (expected: a duration >= 1s)");
      }
      this.sseHeartbeat = interval;
      return this;
    }

    /**
     * An HTTP connection with no request in progress for this long is closed. Server-Sent Events streams are
     * requests in progress and are never closed by it. Default 60 s; zero turns it off.
     */
    public Builder idleTimeout(Duration idle) {
      if (idle == null || idle.isNegative()) {
        throw new IllegalArgumentException("httpIdleTimeout: " + idle + " (expected: a duration >= 0, 0 for off)");
      }
      this.idleTimeout = idle;
      return this;
    }

    /** HTTP connections open at once; further ones are closed as they are accepted. Default 10000. */
    public Builder maxConnections(int connections) {
      if (connections <= 0) {
        throw new IllegalArgumentException("httpMaxConnections: " + connections + " (expected: > 0)");
      }
      this.maxConnections = connections;
      return this;
    }

    public HttpSettings build() {
      return new HttpSettings(this);
    }
  }
}
