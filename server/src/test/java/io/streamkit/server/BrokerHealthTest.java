package io.streamkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.streamkit.server.broker.redis.RedisBroker;
import io.streamkit.testing.RedisProcess;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The health service follows the broker, with metrics on or off: a load balancer stops routing to an instance whose
 * Redis is gone, and routes to it again once Redis is back. A real redis-server, stopped with SIGKILL.
 */
@Timeout(120)
class BrokerHealthTest {
  /** "Within seconds": the broker's reader notices a lost connection at its next read or reconnect attempt. */
  private static final Duration NOTICE = Duration.ofSeconds(15);

  @ParameterizedTest(name = "metrics on: {0}")
  @ValueSource(booleans = {true, false})
  void healthGoesNotServingWhenRedisStopsAndServingWhenItReturns(boolean metrics) throws Exception {
    try (RedisProcess redis = RedisProcess.start(false);
        RedisBroker broker = RedisBroker.builder().uri(redis.uri()).commandTimeout(Duration.ofSeconds(2)).build();
        LoopbackServer s = LoopbackServer.start(b -> {
          b.broker(broker);
          if (metrics) {
            b.metricsPort(0);
          }
        })) {
      assertThat(s.server.metricsPort() > 0).isEqualTo(metrics);
      await("SERVING once Redis is connected").atMost(NOTICE).until(() -> health(s.channel) == ServingStatus.SERVING);

      redis.kill();
      await("NOT_SERVING after Redis stopped").atMost(NOTICE)
          .until(() -> health(s.channel) == ServingStatus.NOT_SERVING);

      redis.startAgain();
      await("SERVING after Redis returned").atMost(NOTICE).until(() -> health(s.channel) == ServingStatus.SERVING);
    }
  }

  private static ServingStatus health(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(Duration.ofSeconds(5))
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }
}
