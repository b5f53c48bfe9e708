package io.streamkit.examples.spring;

import com.google.protobuf.ByteString;
import io.streamkit.client.StreamKitClient;
import io.streamkit.server.StreamKitServer;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot application with the StreamKit starter: an embedded server (streamkit.server.*) serving the
 * {@link OrderHandler} bean, and an {@link OrderSubscriber} bean listening with the auto-configured client
 * (streamkit.client.*). It places three orders through the server's {@code orders} route, waits until the subscriber
 * received all three, and stops: closing the context drains the server.
 *
 * <p>Run: {@code ./mvnw -B -q -pl examples exec:java -Dexec.mainClass=io.streamkit.examples.spring.OrdersApplication}.
 * Any property can be given as an argument, e.g. {@code -Dexec.args=--streamkit.server.port=9095}.
 */
@SpringBootApplication
public class OrdersApplication {
  /** The defaults of this example; arguments and the environment override them. */
  static final String[] DEFAULTS = {
    "streamkit.server.enabled=true",
    "streamkit.server.port=9090",
    "streamkit.server.shutdown-grace=1s",
    "streamkit.client.target=localhost:${streamkit.server.port}",
    "spring.main.banner-mode=off",
    "logging.level.root=warn",
  };

  public static void main(String[] args) {
    System.exit(run(args, System.out));
  }

  /** Runs the example; returns the exit code (0 when every order reached the subscriber). */
  static int run(String[] args, PrintStream out) {
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(OrdersApplication.class)
        .web(WebApplicationType.NONE)
        .properties(DEFAULTS)
        .initializers(c -> c.getBeanFactory().registerSingleton("orderOutput", (OrderOutput) out::println))
        .run(args)) {
      out.println("embedded StreamKit server on port " + context.getBean(StreamKitServer.class).port());
      StreamKitClient client = context.getBean(StreamKitClient.class);
      List<String> orders = List.of("2 coffees", "1 tea", "3 croissants");
      for (String order : orders) {
        String reply = client.call("orders", ByteString.copyFromUtf8(order)).get(10, TimeUnit.SECONDS)
            .getPayload().toStringUtf8();
        out.println("desk: " + order + " -> " + reply);
      }
      OrderSubscriber kitchen = context.getBean(OrderSubscriber.class);
      for (String order : orders) {
        String got = kitchen.received().poll(10, TimeUnit.SECONDS);
        if (!order.equals(got)) {
          out.println("kitchen: expected " + order + ", got " + got);
          return 1;
        }
      }
      out.println("every order reached the kitchen; stopping");
      return 0;
    } catch (Exception e) {
      out.println("orders example failed: " + e);
      return 1;
    }
  }
}
