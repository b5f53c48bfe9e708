package io.streamkit.spring.boot.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.streamkit.server.StreamKitServer;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.redis.RedisBroker;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.security.Authenticator;
import io.streamkit.server.security.Authorizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * The embedded server, on with {@code streamkit.server.enabled=true}. The server bean is built from, in this order:
 * the {@code streamkit.server.*} properties; every {@link MessageHandler}, {@link Authenticator} and
 * {@link Authorizer} bean (in their {@code @Order}; at most one authenticator and one authorizer, counting
 * {@code auth-tokens}); the application's {@link Broker} bean if it has one, else a Redis broker for
 * {@code broker=redis}, else the server's own in-memory broker; the application's {@link MeterRegistry} (Spring
 * Boot's, with actuator), so the server's meters are Boot's meters; the application's {@link OpenTelemetry} bean, if
 * it has one, so the server is traced with it; then every {@link StreamKitServerCustomizer}.
 *
 * <p>{@link StreamKitServerLifecycle} starts and drains it with the context. Brokers: one the application defines
 * is the application's to configure and close; the Redis broker this class makes is closed by the context after
 * the server. Spring calls this class once, on the thread that refreshes the context.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty("streamkit.server.enabled")
@EnableConfigurationProperties(StreamKitServerProperties.class)
public final class StreamKitServerAutoConfiguration {

  /** The Redis broker of {@code streamkit.server.broker=redis}, unless the application defines a broker. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(Broker.class)
  @ConditionalOnProperty(prefix = "streamkit.server", name = "broker", havingValue = "redis")
  public RedisBroker streamKitRedisBroker(StreamKitServerProperties properties) {
    return ServerPropertiesBinding.redisBroker(properties);
  }

  /** The embedded server, built but not started: {@link StreamKitServerLifecycle} starts it. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public StreamKitServer streamKitServer(
      StreamKitServerProperties properties,
      ObjectProvider<Broker> brokers,
      ObjectProvider<MessageHandler> handlers,
      ObjectProvider<Authenticator> authenticators,
      ObjectProvider<Authorizer> authorizers,
      ObjectProvider<MeterRegistry> meterRegistries,
      ObjectProvider<OpenTelemetry> openTelemetry,
      ObjectProvider<StreamKitServerCustomizer> customizers) {
    StreamKitServer.Builder builder = StreamKitServer.builder();
    ServerPropertiesBinding.applyTo(properties, builder);
    boolean redis = ServerPropertiesBinding.redis(properties);
    Broker broker = brokers.getIfAvailable();
    if (broker == null) {
      builder.inMemoryBroker(ServerPropertiesBinding.inMemoryBroker(properties));
    } else {
      if (redis && !(broker instanceof RedisBroker)) {
        throw new IllegalStateException(ServerPropertiesBinding.PREFIX + "broker: 'redis', but the application "
            + "defines its own Broker bean (" + broker.getClass().getName() + "), which the server uses; drop one");
      }
      if (!redis && properties.limitsSet()) {
        throw new IllegalStateException(ServerPropertiesBinding.PREFIX + "history-max-events, history-max-age and "
            + "max-subscriber-lag configure a broker the starter makes, but the application defines its own Broker "
            + "bean (" + broker.getClass().getName() + "); set the limits on that broker's builder instead");
      }
      builder.broker(broker);
    }
    handlers.orderedStream().forEach(builder::handler);
    authenticators.orderedStream().forEach(builder::authenticator);
    authorizers.orderedStream().forEach(builder::authorizer);
    MeterRegistry registry = meterRegistries.getIfUnique();
    if (registry != null) {
      builder.meterRegistry(registry);
    }
    openTelemetry.ifUnique(builder::openTelemetry);
    customizers.orderedStream().forEach(c -> c.customize(builder));
    return builder.build();
  }

  /** Starts the server with the context and drains it when the context stops. */
  @Bean
  @ConditionalOnMissingBean
  public StreamKitServerLifecycle streamKitServerLifecycle(StreamKitServer server, ObjectProvider<Broker> brokers,
      ConfigurableEnvironment environment) {
    Broker broker = brokers.getIfAvailable();
    return new StreamKitServerLifecycle(server, broker == null ? server.broker() : broker, environment);
  }
}
