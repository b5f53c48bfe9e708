package io.streamkit.spring.boot.server;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Adds {@link StreamKitHealthIndicator} (contributor {@code streamkit}) when the application has Spring Boot's
 * health support ({@code spring-boot-health}, which actuator brings) and an embedded server.
 */
@AutoConfiguration(after = StreamKitServerAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnBean(StreamKitServerLifecycle.class)
@ConditionalOnEnabledHealthIndicator("streamkit")
public final class StreamKitHealthAutoConfiguration {

  /** The embedded server's health. */
  @Bean
  @ConditionalOnMissingBean(name = "streamkitHealthIndicator")
  public StreamKitHealthIndicator streamkitHealthIndicator(StreamKitServerLifecycle lifecycle) {
    return new StreamKitHealthIndicator(lifecycle);
  }
}
