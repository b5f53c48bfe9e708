package io.streamkit.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ConnectivityState;
import io.streamkit.client.ConnectionState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The connection watch against a fake channel whose state the test sets, and a timer that moves when told. */
@Timeout(10)
class ConnectionWatchTest {
  /** 100, 200, 400, 800 ms, then 800 ms for ever. */
  private static final IntToLongFunction POLICY =
      n -> Duration.ofMillis(100L << Math.min(n - 1, 3)).toNanos();

  private final FakeChannel channel = new FakeChannel();
  private final ManualTimer timer = new ManualTimer();
  private final List<ConnectionState> heard = new CopyOnWriteArrayList<>();
  private final ConnectionWatch watch = new ConnectionWatch(channel, timer, POLICY, heard::add, Runnable::run);

  @BeforeEach
  void start() {
    watch.start();
  }

  private void become(ConnectivityState state) {
    channel.setState(state);
    timer.runDue();
  }

  @Test
  void theListenerHearsEachChangeOnceInOrderAndClosedLast() {
    become(ConnectivityState.CONNECTING);
    become(ConnectivityState.READY);
    become(ConnectivityState.IDLE);
    become(ConnectivityState.CONNECTING);
    become(ConnectivityState.TRANSIENT_FAILURE);
    become(ConnectivityState.READY);
    watch.close();
    become(ConnectivityState.SHUTDOWN);

    assertThat(heard).containsExactly(ConnectionState.CONNECTING, ConnectionState.READY, ConnectionState.IDLE,
        ConnectionState.CONNECTING, ConnectionState.RECONNECTING, ConnectionState.READY, ConnectionState.CLOSED);
    assertThat(watch.state()).isEqualTo(ConnectionState.CLOSED);
  }

  @Test
  void aConnectionMadeBetweenTwoLooksAtTheChannelIsStillHeardAsConnectingThenReady() {
    become(ConnectivityState.READY); // IDLE, then READY at the next look: CONNECTING passed unseen

    assertThat(heard).containsExactly(ConnectionState.CONNECTING, ConnectionState.READY);
  }

  @Test
  void whileReconnectingTheBackoffIsResetOnThePolicysScheduleUntilReady() {
    become(ConnectivityState.TRANSIENT_FAILURE);

    timer.advance(Duration.ofMillis(99));
    assertThat(channel.backoffResets).isZero();
    timer.advance(Duration.ofMillis(1));
    assertThat(channel.backoffResets).isEqualTo(1);
    timer.advance(Duration.ofMillis(200));
    assertThat(channel.backoffResets).isEqualTo(2);
    timer.advance(Duration.ofMillis(400 + 800 + 800));
    assertThat(channel.backoffResets).as("after 30 s of outage the gap stays at the policy's largest delay")
        .isEqualTo(5);

    become(ConnectivityState.READY);
    timer.advance(Duration.ofMinutes(1));
    assertThat(channel.backoffResets).as("no reset once READY").isEqualTo(5);
  }

  @Test
  void aNewFailureStartsThePolicyFromItsFirstDelay() {
    become(ConnectivityState.TRANSIENT_FAILURE);
    timer.advance(Duration.ofMillis(100 + 200 + 400));
    become(ConnectivityState.READY);
    become(ConnectivityState.IDLE);
    become(ConnectivityState.CONNECTING);
    become(ConnectivityState.TRANSIENT_FAILURE);
    int before = channel.backoffResets;

    timer.advance(Duration.ofMillis(100));

    assertThat(channel.backoffResets).isEqualTo(before + 1);
  }

  @Test
  void aPolicyWithoutAttemptsLeavesReconnectingToGrpc() {
    FakeChannel other = new FakeChannel();
    ConnectionWatch disabled = new ConnectionWatch(other, timer, n -> -1, null, Runnable::run);
    disabled.start();
    other.setState(ConnectivityState.TRANSIENT_FAILURE);
    timer.runDue();

    timer.advance(Duration.ofMinutes(5));

    assertThat(disabled.state()).isEqualTo(ConnectionState.RECONNECTING);
    assertThat(other.backoffResets).isZero();
  }

  @Test
  void aTaskWaitingForReadyRunsOnceWhenItIsAndACancelledOneNever() {
    List<String> ran = new CopyOnWriteArrayList<>();
    watch.whenReady(() -> ran.add("first"));
    Runnable cancel = watch.whenReady(() -> ran.add("cancelled"));
    cancel.run();
    become(ConnectivityState.CONNECTING);
    assertThat(ran).isEmpty();

    become(ConnectivityState.READY);
    become(ConnectivityState.IDLE);
    become(ConnectivityState.READY);
    watch.whenReady(() -> ran.add("now"));

    assertThat(ran).containsExactly("first", "now");
  }

  @Test
  void reconnectNowResetsABackoffOrLeavesIdleAndOtherwiseDoesNothing() {
    watch.reconnectNow();
    assertThat(channel.connectionRequests).isEqualTo(1);
    become(ConnectivityState.TRANSIENT_FAILURE);
    watch.reconnectNow();
    assertThat(channel.backoffResets).isEqualTo(1);
    become(ConnectivityState.READY);
    watch.reconnectNow();
    assertThat(channel.backoffResets).isEqualTo(1);
    assertThat(channel.connectionRequests).isEqualTo(1);
  }
}
