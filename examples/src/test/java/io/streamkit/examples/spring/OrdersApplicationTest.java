package io.streamkit.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class OrdersApplicationTest {

  @Test
  void everyOrderPlacedThroughTheHandlerBeanReachesTheSubscriberBeanAndTheApplicationExitsWithZero()
      throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }

    int code = OrdersApplication.run(new String[] {"--streamkit.server.port=" + port},
        new PrintStream(out, true, StandardCharsets.UTF_8));

    String output = out.toString(StandardCharsets.UTF_8);
    assertThat(code).as(output).isZero();
    assertThat(output).contains("embedded StreamKit server on port " + port,
        "desk: 2 coffees -> order #1 accepted", "desk: 1 tea -> order #2 accepted",
        "desk: 3 croissants -> order #3 accepted",
        "kitchen: order #1 received: 2 coffees", "kitchen: order #2 received: 1 tea",
        "kitchen: order #3 received: 3 croissants", "every order reached the kitchen; stopping");
  }
}
