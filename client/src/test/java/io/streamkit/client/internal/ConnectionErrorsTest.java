package io.streamkit.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class ConnectionErrorsTest {

  @Test
  void aRefusedConnectionNamesTheTargetAndTheFailureAndSaysNothingWasSent() {
    // As Netty reports it: the address appended to the JDK's message, the JDK's exception as the cause.
    ConnectException refused = new ConnectException("Connection refused: /127.0.0.1:9");
    refused.initCause(new ConnectException("Connection refused"));
    Status status = Status.UNAVAILABLE.withDescription("io exception").withCause(refused);

    Status described = ConnectionErrors.describe(status, "localhost:9", false);

    assertThat(described.getDescription())
        .isEqualTo("cannot connect to localhost:9: Connection refused (io exception); nothing was sent");
    assertThat(described.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(described.getCause()).isSameAs(status.getCause());
  }

  @Test
  void aConnectionLostAfterTheCallWentOutSaysSoWithoutClaimingNothingWasSent() {
    Status status = Status.UNAVAILABLE.withDescription("io exception").withCause(new IOException("Broken pipe"));

    assertThat(ConnectionErrors.describe(status, "h:1", true).getDescription())
        .isEqualTo("connection to h:1 failed: Broken pipe (io exception)");
  }

  @Test
  void otherStatusesAndDescriptionsThatNameTheFailureStayAsTheyAre() {
    Status server = Status.UNAVAILABLE.withDescription("server is shutting down");
    Status named = Status.UNAVAILABLE.withDescription("Connection refused").withCause(new ConnectException(
        "Connection refused"));
    Status other = Status.INTERNAL.withCause(new IOException("x"));

    assertThat(ConnectionErrors.describe(server, "h:1", false)).isSameAs(server);
    assertThat(ConnectionErrors.describe(named, "h:1", false)).isSameAs(named);
    assertThat(ConnectionErrors.describe(other, "h:1", false)).isSameAs(other);
  }
}
