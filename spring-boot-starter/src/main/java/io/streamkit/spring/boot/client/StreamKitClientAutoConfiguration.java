package io.streamkit.spring.boot.client;

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
 * order. The context owns the client and closes it when it closes (after the beans that depend on it).
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
      ObjectProvider<StreamKitClientCustomizer> customizers) {
    StreamKitClient.Builder builder = StreamKitClient.builder();
    properties.applyTo(builder);
    customizers.orderedStream().forEach(c -> c.customize(builder));
    return builder.build();
  }
}
