package io.streamkit.spring.boot.client;

import io.opentelemetry.api.OpenTelemetry;
import io.streamkit.client.StreamKitClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Makes a {@link StreamKitClient} bean when {@code streamkit.client.target} is set and the application defines
 * none of its own: the {@code streamkit.client.*} properties, then every {@link StreamKitClientCustomizer} bean, in
 * order. With one {@link OpenTelemetry} bean in the context (the application's SDK, or OpenTelemetry's Spring
 * Boot starter's) the client is traced with it ({@code StreamKitClient.Builder.openTelemetry}). The context owns the client and closes it when it closes (after the beans that depend on it).
 *
 * <p>The client connects lazily, on its first call or stream, so the bean exists even while the server is down.
 * Spring calls this class once, on the thread that refreshes the context; the client it makes is thread-safe.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "streamkit.client", name = "target")
@EnableConfigurationProperties(StreamKitClientProperties.class)
public final class StreamKitClientAutoConfiguration {

  /** The application's one client to the server of {@code streamkit.client.target}. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public StreamKitClient streamKitClient(StreamKitClientProperties properties,
      ObjectProvider<OpenTelemetry> openTelemetry,
      ObjectProvider<StreamKitClientCustomizer> customizers) {
    StreamKitClient.Builder builder = StreamKitClient.builder();
    properties.applyTo(builder);
    openTelemetry.ifUnique(builder::openTelemetry);
    customizers.orderedStream().forEach(c -> c.customize(builder));
    return builder.build();
  }
}
