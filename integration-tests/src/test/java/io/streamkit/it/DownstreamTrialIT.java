package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.client.BidiStream;
import io.streamkit.client.ConnectionState;
import io.streamkit.client.ReconnectPolicy;
import io.streamkit.client.StreamHandle;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.StreamListener;
import io.streamkit.client.SubscribeOptions;
import io.streamkit.client.Subscription;
import io.streamkit.client.SubscriptionHandle;
import io.streamkit.client.SubscriptionListener;
import io.streamkit.client.SubscriptionState;
import io.streamkit.client.TopicStart;
import io.streamkit.server.StreamKitServer;
import io.streamkit.testing.RedisProcess;
import io.streamkit.testing.ServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client as a new user meets it, through the public API only: an embedded server with calls, a blocking and a
 * callback chat, and 1,000 events published by one thread while three subscriptions read them (a for-each loop, a
 * {@code next(Duration)} loop and a listener); then the same against a server process killed with SIGKILL in the
 * middle and restarted on the same port 30 s later, with the in-memory broker (history lost: a reset) and the
 * Redis broker (history kept). Asserted: order, no silent loss (every acknowledged event is received, or its loss
 * is reported as a reset), resets reported without ending any loop, and the time from the server's return to each
 * subscription being LIVE again, to the first acknowledged publish and to each subscription's first new event (one
 * published after the restart) within the documented worst case.
 */
class DownstreamTrialIT {
  private static final int EVENTS = 1000;
  private static final int KILL_AFTER = 500;
  private static final Duration OUTAGE = Duration.ofSeconds(30);
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** The documented worst case: the default policy's largest delay with its jitter (5 s + 20 %)... */
  private static final Duration POLICY_DELAY = Duration.ofMillis(6000);
  /** ...plus one connect, and the first answer of a just-started server JVM on a loaded machine. */
  private static final Duration CONNECT = Duration.ofSeconds(3);

  // ---- an embedded server -------------------------------------------------------------------------

  @Test
  @Timeout(120)
  void anEmbeddedServerServesCallsBothChatsAndAThousandEventsToThreeReadersInOrder() throws Exception {
    try (StreamKitServer server = StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0)).build()
            .start();
        StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port()).build()) {
      assertThat(client.call("echo", ByteString.copyFromUtf8("hello")).get(10, TimeUnit.SECONDS)
          .getPayload().toStringUtf8()).isEqualTo("hello");
      assertThat(blockingChat(client)).containsExactly("1:a", "2:b", "3:c");
      assertThat(callbackChat(client)).containsExactly("1:a", "2:b", "3:c");

      try (Readers readers = Readers.start(client, "orders")) {
        readers.awaitLive();
        for (int i = 1; i <= EVENTS; i++) {
          PublishAck ack = client.publish("orders", payload(i)).get(10, TimeUnit.SECONDS);
          assertThat(ack.getLastOffsetsOrThrow("orders")).isEqualTo(i);
        }
        readers.awaitPayload(EVENTS);
        for (Reader reader : readers.all()) {
          assertThat(reader.payloads()).as(reader.name).isEqualTo(range(1, EVENTS));
          assertThat(reader.discontinuities()).as(reader.name).isEmpty();
        }
      }
    }
  }

  private static List<String> blockingChat(StreamKitClient client) throws Exception {
    List<String> replies = new ArrayList<>();
    try (BidiStream<Message, Message> chat = client.chat()) {
      chat.send(message("1", "a"));
      chat.send(message("2", "b"));
      chat.send(message("3", "c"));
      chat.closeSend();
      for (Message m : chat) {
        replies.add(m.getCorrelationId() + ":" + m.getPayload().toStringUtf8());
      }
    }
    return replies;
  }

  private static List<String> callbackChat(StreamKitClient client) throws Exception {
    List<String> replies = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamHandle<Message> chat = client.chat(new StreamListener<>() {
      @Override
      public void onMessage(Message m) {
        replies.add(m.getCorrelationId() + ":" + m.getPayload().toStringUtf8());
      }

      @Override
      public void onError(StreamKitException error) {
        done.completeExceptionally(error);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    });
    chat.send(message("1", "a"));
    chat.send(message("2", "b"));
    chat.send(message("3", "c"));
    chat.closeSend();
    done.get(10, TimeUnit.SECONDS);
    return replies;
  }

  // ---- a server process killed and restarted --------------------------------------------------------

  @Test
  @Timeout(240)
  void aServerProcessWithTheInMemoryBrokerKilledForThirtySecondsIsAResetTheLoopsSurvive() throws Exception {
    try (ServerProcess server = ServerProcess.start()) {
      Trial trial = Trial.run(server);

      for (Reader reader : trial.readers) {
        List<Integer> got = reader.payloads();
        // Events acknowledged before the kill but not yet delivered went with the process's history: the reset
        // reported to every reader says so. Everything after the restart arrives, once, in order.
        int beforeKill = got.indexOf(KILL_AFTER + 1);
        assertThat(beforeKill).as(reader.name + ": the events after the restart arrived").isPositive();
        assertThat(got.subList(0, beforeKill)).as(reader.name).isEqualTo(range(1, beforeKill));
        assertThat(got.subList(beforeKill, got.size())).as(reader.name).isEqualTo(range(KILL_AFTER + 1, EVENTS));
        assertThat(reader.discontinuities()).as(reader.name + ": the restart is reported as a reset")
            .containsExactly("reset at payload " + (KILL_AFTER + 1));
      }
      trial.assertResumedWithinTheWorstCase();
    }
  }

  @Test
  @Timeout(240)
  void aServerProcessWithTheRedisBrokerKilledForThirtySecondsLosesNothing() throws Exception {
    try (RedisProcess redis = RedisProcess.start(true);
        ServerProcess server = ServerProcess.start("--broker", "redis", "--redis-uri", redis.uri())) {
      Trial trial = Trial.run(server);

      for (Reader reader : trial.readers) {
        assertThat(reader.payloads()).as(reader.name + ": every event, once, in order")
            .isEqualTo(range(1, EVENTS));
        assertThat(reader.discontinuities()).as(reader.name).isEmpty();
      }
      trial.assertResumedWithinTheWorstCase();
    }
  }

  /** One run: subscribe three ways, publish from one thread, kill the server halfway, restart it after 30 s. */
  private static final class Trial {
    final List<Reader> readers = new ArrayList<>();
    final List<ConnectionState> connection = Collections.synchronizedList(new ArrayList<>());
    final List<Duration> liveAgain = new ArrayList<>();
    final List<Duration> firstNewEvent = new ArrayList<>();
    Duration firstPublishAgain;

    static Trial run(ServerProcess server) throws Exception {
      Trial trial = new Trial();
      try (StreamKitClient client = StreamKitClient.builder().target("127.0.0.1:" + server.port())
              .reconnectPolicy(ReconnectPolicy.defaults()).connectionListener(trial.connection::add).build();
          Readers readers = Readers.start(client, "trial")) {
        trial.readers.addAll(readers.all());
        readers.awaitLive();
        Publisher publisher = new Publisher(client, "trial");
        publisher.thread.start();
        await("the publisher reaches the kill point", WAIT, () -> publisher.atKillPoint.getCount() == 0);

        server.kill();
        await("every subscription RESUMING", WAIT, () -> readers.states().stream()
            .allMatch(s -> s == SubscriptionState.RESUMING));
        publisher.resume.countDown(); // it publishes, and retries, through the outage
        Thread.sleep(OUTAGE.toMillis());
        server.startAgain();
        long back = System.nanoTime();

        for (Supplier<SubscriptionState> state : readers.stateSuppliers()) {
          await("a subscription LIVE again", WAIT, () -> state.get() == SubscriptionState.LIVE);
          trial.liveAgain.add(Duration.ofNanos(System.nanoTime() - back));
        }
        publisher.thread.join(WAIT.toMillis());
        assertThat(publisher.thread.isAlive()).as("the publisher finished").isFalse();
        assertThat(publisher.failure).as("the publisher's unexpected failure").isNull();
        trial.firstPublishAgain = Duration.ofNanos(publisher.firstAckAfter(back) - back);
        readers.awaitPayload(EVENTS);
        for (Reader reader : readers.all()) {
          // Every publish during the outage failed with "nothing was sent": the first event after KILL_AFTER was
          // published after the server's return.
          trial.firstNewEvent.add(Duration.ofNanos(reader.arrivalOf(KILL_AFTER + 1) - back));
          assertThat(reader.loopEnded()).as(reader.name + ": the loop goes on").isFalse();
          assertThat(reader.state.get()).as(reader.name).isEqualTo(SubscriptionState.LIVE);
        }
      }
      return trial;
    }

    void assertResumedWithinTheWorstCase() {
      Duration worst = POLICY_DELAY.plus(CONNECT);
      System.out.println("after the server's return: subscriptions LIVE again after " + liveAgain
          + ", first publish acknowledged after " + firstPublishAgain + ", first new event received after "
          + firstNewEvent + " (worst case allowed: " + worst + ")");
      assertThat(liveAgain).as("each subscription LIVE again after the server's return").hasSize(3)
          .allSatisfy(d -> assertThat(d).isLessThan(worst));
      assertThat(firstPublishAgain).as("the first publish acknowledged after the server's return")
          .isLessThan(worst);
      assertThat(firstNewEvent).as("each subscription's first new event after the server's return").hasSize(3)
          .allSatisfy(d -> assertThat(d).isPositive().isLessThan(worst));
      assertThat(connection).containsSubsequence(ConnectionState.READY, ConnectionState.RECONNECTING,
          ConnectionState.READY);
    }
  }

  /** Publishes payloads 1..EVENTS in order, each after the previous one was acknowledged, retrying failures. */
  private static final class Publisher {
    final CountDownLatch atKillPoint = new CountDownLatch(1);
    final CountDownLatch resume = new CountDownLatch(1);
    final List<Long> ackTimes = Collections.synchronizedList(new ArrayList<>());
    final Thread thread;
    volatile Throwable failure;

    Publisher(StreamKitClient client, String topic) {
      thread = new Thread(() -> {
        try {
          for (int i = 1; i <= EVENTS; i++) {
            publishUntilAcknowledged(client, topic, i);
            if (i == KILL_AFTER) {
              atKillPoint.countDown(); // nothing is in flight while the server is killed
              assertThat(resume.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            }
          }
        } catch (Throwable t) {
          failure = t;
        }
      }, "trial-publisher");
    }

    private void publishUntilAcknowledged(StreamKitClient client, String topic, int i) throws Exception {
      while (true) {
        try {
          client.publish(topic, payload(i)).get(40, TimeUnit.SECONDS);
          ackTimes.add(System.nanoTime());
          return;
        } catch (ExecutionException e) {
          StreamKitException failed = (StreamKitException) e.getCause();
          // Only failures that say the event never left may be retried without risking a duplicate.
          assertThat(failed.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(failed).hasMessageEndingWith("nothing was sent");
          Thread.sleep(20);
        }
      }
    }

    long firstAckAfter(long time) {
      synchronized (ackTimes) {
        return ackTimes.stream().filter(t -> t > time).findFirst().orElseThrow();
      }
    }
  }

  // ---- readers --------------------------------------------------------------------------------------

  /** What one subscription received: payload numbers and discontinuities, in order. */
  private static final class Reader {
    final String name;
    final List<Integer> payloads = Collections.synchronizedList(new ArrayList<>());
    /** When each payload arrived (System.nanoTime), by payload number; 0 while it has not. */
    final long[] arrivals = new long[EVENTS + 1];
    final List<String> discontinuities = Collections.synchronizedList(new ArrayList<>());
    Supplier<SubscriptionState> state;
    volatile boolean loopEnded;
    private volatile String pendingDiscontinuity;

    Reader(String name) {
      this.name = name;
    }

    /** A gap or reset, reported right before the event that follows it (one thread per reader calls these). */
    void discontinuity(boolean reset) {
      pendingDiscontinuity = reset ? "reset" : "gap";
    }

    void event(Event e) {
      int payload = Integer.parseInt(e.getPayload().toStringUtf8().substring(1));
      String pending = pendingDiscontinuity;
      if (pending != null) {
        discontinuities.add(pending + " at payload " + payload);
        pendingDiscontinuity = null;
      }
      synchronized (payloads) {
        payloads.add(payload);
        if (arrivals[payload] == 0) {
          arrivals[payload] = System.nanoTime();
        }
      }
    }

    long arrivalOf(int payload) {
      synchronized (payloads) {
        assertThat(arrivals[payload]).as(name + ": payload " + payload + " arrived").isNotZero();
        return arrivals[payload];
      }
    }

    List<Integer> payloads() {
      synchronized (payloads) {
        return new ArrayList<>(payloads);
      }
    }

    List<String> discontinuities() {
      synchronized (discontinuities) {
        return new ArrayList<>(discontinuities);
      }
    }

    boolean loopEnded() {
      return loopEnded;
    }
  }

  /** The three ways to read: a for-each loop, a next(Duration) loop, a listener. */
  private static final class Readers implements AutoCloseable {
    final Reader forEach = new Reader("for-each loop");
    final Reader nextLoop = new Reader("next(Duration) loop");
    final Reader listener = new Reader("listener");
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private SubscriptionHandle handle;

    static Readers start(StreamKitClient client, String topic) {
      Readers r = new Readers();
      r.loop(client, topic, r.forEach, s -> {
        for (Event e : s) {
          r.forEach.event(e);
        }
      });
      r.loop(client, topic, r.nextLoop, s -> {
        while (true) {
          try {
            Event e = s.next(Duration.ofMillis(200));
            if (e == null) {
              return;
            }
            r.nextLoop.event(e);
          } catch (TimeoutException quiet) {
            // nothing yet: ask again, as an application's poll loop would
          }
        }
      });
      r.handle = client.subscribe(List.of(TopicStart.oldest(topic)), new SubscriptionListener() {
        @Override
        public void onEvent(Event event) {
          r.listener.event(event);
        }

        @Override
        public void onGap(String t, long expected, long actual) {
          r.listener.discontinuity(false);
        }

        @Override
        public void onReset(String t, String oldEpoch, String newEpoch) {
          r.listener.discontinuity(true);
        }

        @Override
        public void onError(StreamKitException error) {
          r.listener.loopEnded = true;
        }
      });
      r.listener.state = r.handle::state;
      return r;
    }

    private interface Loop {
      void run(Subscription s) throws Exception;
    }

    private void loop(StreamKitClient client, String topic, Reader reader, Loop body) {
      SubscribeOptions options = SubscribeOptions.builder()
          .onDiscontinuity(gap -> reader.discontinuity(gap.isReset())).build();
      Subscription s = client.subscribe(List.of(TopicStart.oldest(topic)), options);
      subscriptions.add(s);
      reader.state = s::state;
      Thread thread = new Thread(() -> {
        try {
          body.run(s);
        } catch (StreamKitException e) {
          // closed by the test (CANCELLED), or a failure the assertions on the payloads will show
        } catch (Exception e) {
          throw new IllegalStateException(e);
        } finally {
          reader.loopEnded = true;
        }
      }, "trial-" + reader.name);
      threads.add(thread);
      thread.start();
    }

    List<Reader> all() {
      return List.of(forEach, nextLoop, listener);
    }

    List<SubscriptionState> states() {
      return all().stream().map(r -> r.state.get()).toList();
    }

    List<Supplier<SubscriptionState>> stateSuppliers() {
      return all().stream().map(r -> r.state).toList();
    }

    void awaitLive() throws InterruptedException {
      await("three subscriptions LIVE", WAIT, () -> states().stream().allMatch(s -> s == SubscriptionState.LIVE));
    }

    void awaitPayload(int last) throws InterruptedException {
      for (Reader reader : all()) {
        await(reader.name + " received payload " + last, WAIT, () -> reader.payloads().contains(last));
      }
    }

    @Override
    public void close() throws InterruptedException {
      subscriptions.forEach(Subscription::close);
      if (handle != null) {
        handle.cancel();
      }
      for (Thread t : threads) {
        t.join(10_000);
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------------

  private static ByteString payload(int i) {
    return ByteString.copyFromUtf8("e" + i);
  }

  private static Message message(String id, String payload) {
    return Message.newBuilder().setId(id).setRoute("echo").setPayload(ByteString.copyFromUtf8(payload)).build();
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> list = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      list.add(i);
    }
    return list;
  }

  private static void await(String what, Duration within, BooleanSupplier condition) {
    Awaitility.await(what).atMost(within).pollInterval(Duration.ofMillis(5)).until(condition::getAsBoolean);
  }
}
