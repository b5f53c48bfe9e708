package io.streamkit.spring.boot.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.client.BidiStream;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.Subscription;
import io.streamkit.client.TopicStart;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * Two real Spring Boot applications, with everything auto-configured as in production: one embeds the server on a
 * random port with a handler bean, the other gets its client from properties pointing at that port.
 */
@Timeout(120)
class StreamKitApplicationTest {

  @Test
  void aClientApplicationTalksToAServerApplication() throws Exception {
    try (ConfigurableApplicationContext server = serverApp("streamkit.server.shutdown-grace=0s");
        ConfigurableApplicationContext client = clientApp(server)) {
      StreamKitClient streamKit = client.getBean(StreamKitClient.class);
      try (Subscription orders = streamKit.subscribe(List.of(TopicStart.oldest("orders")))) {
        Message reply = streamKit.call("order", ByteString.copyFromUtf8("2 coffees")).get(20, TimeUnit.SECONDS);
        assertThat(reply.getPayload().toStringUtf8()).isEqualTo("accepted: 2 coffees");
        Event event = orders.next(Duration.ofSeconds(20));
        assertThat(event.getPayload().toStringUtf8()).isEqualTo("2 coffees");
        assertThat(event.getOffset()).isEqualTo(1);
      }

      // Boot's own MeterRegistry (auto-configured) holds the server's meters; Boot's health registry holds its health.
      MeterRegistry registry = server.getBean(MeterRegistry.class);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
          registry.get("streamkit.topic.published.events").tag("topic", "orders").counter().count()).isEqualTo(1.0));
      HealthIndicator health = (HealthIndicator) server.getBean(HealthContributorRegistry.class).getContributor("streamkit");
      assertThat(health.health().getStatus().getCode()).isEqualTo("UP");
    }
  }

  @Test
  void closingTheContextDrainsOpenStreamsForTheGracePeriod() throws Exception {
    ConfigurableApplicationContext server = serverApp("streamkit.server.shutdown-grace=3s");
    try (ConfigurableApplicationContext client = clientApp(server)) {
      StreamKitClient streamKit = client.getBean(StreamKitClient.class);
      try (BidiStream<Message, Message> chat = streamKit.chat()) {
        assertThat(echo(chat, "before")).isEqualTo("before");
        long closing = System.nanoTime();
        CompletableFuture<Void> close = CompletableFuture.runAsync(server::close);
        // New calls are refused at once, while the open stream goes on until the grace period ends.
        await("new streams refused").atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(
                () -> streamKit.withDeadline(Duration.ofSeconds(5)).chat().send(message("new")))
            .isInstanceOf(StreamKitException.class));
        assertThat(echo(chat, "during the grace period")).isEqualTo("during the grace period");
        assertThat(close).isNotDone();
        Iterator<Message> rest = chat.iterator();
        assertThatThrownBy(rest::hasNext).isInstanceOfSatisfying(StreamKitException.class,
            e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        close.get(20, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - closing)).isGreaterThanOrEqualTo(Duration.ofMillis(2900));
      }
    } finally {
      server.close();
    }
  }

  private static ConfigurableApplicationContext serverApp(String... properties) {
    return new SpringApplicationBuilder(ServerApplication.class).web(WebApplicationType.NONE)
        .properties("streamkit.server.enabled=true", "streamkit.server.host=127.0.0.1", "streamkit.server.port=0")
        .properties(properties)
        .run();
  }

  private static ConfigurableApplicationContext clientApp(ConfigurableApplicationContext server) {
    int port = server.getEnvironment().getRequiredProperty("local.streamkit.server.port", Integer.class);
    return new SpringApplicationBuilder(ClientApplication.class).web(WebApplicationType.NONE)
        .properties("streamkit.client.target=127.0.0.1:" + port, "streamkit.client.default-deadline=20s")
        .run();
  }

  private static Message message(String text) {
    return Message.newBuilder().setId(text).setRoute("echo").setPayload(ByteString.copyFromUtf8(text)).build();
  }

  private static String echo(BidiStream<Message, Message> chat, String text) throws Exception {
    chat.send(message(text));
    return chat.receive(Duration.ofSeconds(20)).getPayload().toStringUtf8();
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class ServerApplication {
    /** Publishes each order to the topic "orders" and answers once the broker stored it. */
    @Bean
    MessageHandler orderHandler() {
      return new MessageHandler() {
        @Override
        public String route() {
          return "order";
        }

        @Override
        public void onMessage(StreamContext context, Message message) {
          context.publish("orders", message.getPayload(), Map.of()).thenRun(() -> context.reply(message,
              Message.newBuilder().setPayload(ByteString.copyFromUtf8("accepted: " + message.getPayload().toStringUtf8()))
                  .build()));
        }
      };
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class ClientApplication {}
}
