package io.streamkit.server.web;

import io.streamkit.server.HttpSettings;
import io.streamkit.server.LoopbackServer;
import io.streamkit.server.StreamKitServer;
import java.util.function.Consumer;

/** Loopback servers with the HTTP port on a free port. */
final class WebServers {
  private WebServers() {}

  static LoopbackServer start() {
    return start(h -> {}, b -> {});
  }

  static LoopbackServer start(Consumer<HttpSettings.Builder> http, Consumer<StreamKitServer.Builder> more) {
    return LoopbackServer.start(b -> {
      HttpSettings.Builder h = HttpSettings.builder().port(0);
      http.accept(h);
      b.settings(o -> o.http(h.build()));
      more.accept(b);
    });
  }
}
