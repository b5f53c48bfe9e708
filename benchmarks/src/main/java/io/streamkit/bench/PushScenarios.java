package io.streamkit.bench;

import com.google.protobuf.ByteString;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.PublishAck;
import io.streamkit.api.v1.PublishRequest;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** The server-push scenarios: fanout, slow-consumer, idle, server-stream and ingest. */
final class PushScenarios {
  private PushScenarios() {}

  /**
   * {@code fanout}: N live subscribers of one topic over C connections, one publisher (on {@code --publish-target}
   * when given: another server instance sharing the topic through Redis). Deliveries per second over
   * the measured window, publish-to-deliver latency, and whether every subscriber got every offset from the end of
   * the warm-up to the last one published.
   */
  static Result fanout(LoadOptions o) throws Exception {
    String topic = "fanout-" + System.nanoTime();
    LongAdder total = new LongAdder();
    Recorder latency = new Recorder(3);
    Recorder sincePublishedAt = new Recorder(3);
    Phase phase = new Phase(o.serverPid);
    int connections = o.subscriberConnections();
    try (Clients clients = new Clients(o, connections); Clients pub = Clients.publishers(o, 1)) {
      List<Subscriber> subs = new ArrayList<>();
      for (int i = 0; i < o.subscribers; i++) {
        subs.add(new Subscriber(total, latency, sincePublishedAt, phase, false).subscribe(clients.get(i), topic));
      }
      // Subscriptions are registered asynchronously (on another instance, only once its Redis reader took them):
      // publish single events until each has one, so that the publisher, which stays at most maxAhead events
      // ahead of the average delivered, does not run ahead of subscriptions that do not exist yet.
      boolean all = false;
      for (int attempt = 0; attempt < 60 && !all; attempt++) {
        publishOne(pub, topic, o.payload);
        all = await(() -> subs.stream().allMatch(s -> s.first != 0 || s.done), 1);
      }
      awaitOrFail(() -> subs.stream().allMatch(s -> s.first != 0 || s.done), 1, "every subscriber received an event");
      long maxAhead = Math.max(2, o.maxOutstanding / o.subscribers);
      Publisher publisher = new Publisher(pub.get(0), topic, o.payload, o.rate, maxAhead,
          () -> total.sum() / o.subscribers).start();
      Thread.sleep(o.warmup.toMillis());
      long measuredFrom = publisher.published + 1;
      phase.begin(total::sum);
      Thread.sleep(o.duration.toMillis());
      double rate = phase.end(total::sum);
      long publishedInWindow = publisher.published - measuredFrom + 1;
      PublishAck ack = publisher.stop();
      long lastOffset = ack.getLastOffsetsOrDefault(topic, 0);
      boolean drained = await(() -> subs.stream().allMatch(s -> s.last >= lastOffset || s.done), 120);
      long complete = subs.stream()
          .filter(s -> s.error == null && s.gaps == 0 && s.last == lastOffset && s.first <= lastOffset - ack.getCount() + measuredFrom)
          .count();
      long failed = subs.stream().filter(s -> s.error != null).count();
      subs.forEach(Subscriber::cancel);
      Histogram h = latency.getIntervalHistogram();
      Histogram out = sincePublishedAt.getIntervalHistogram();
      return phase.cpuPerOp(new Result("fanout")
          .put("subscribers", o.subscribers)
          .put("connections", connections)
          .put("payload_bytes", o.payload)
          .put("deliveries_per_s", Math.round(rate))
          .put("publishes_per_s", Math.round(publishedInWindow / phase.seconds()))
          .put("p50_us", h.getValueAtPercentile(50) / 1e3)
          .put("p99_us", h.getValueAtPercentile(99) / 1e3)
          .put("broker_to_subscriber_p50_us", out.getValueAtPercentile(50) / 1e3)
          .put("broker_to_subscriber_p99_us", out.getValueAtPercentile(99) / 1e3)
          .put("subscribers_complete", complete)
          .put("subscribers_failed", failed)
          .put("every_offset_delivered", drained && complete == o.subscribers ? 1 : 0));
    }
  }

  /**
   * {@code slow-consumer}: N subscribers at a fixed publish rate, measured without, then with, one more subscriber
   * (on its own connection) that reads {@code --slow-rate} events per second and resubscribes live when the server
   * ends it. The topic's history is filled with {@code --events} events first. Reports the others' per-subscriber
   * rate and the server's heap after GC and RSS in both phases.
   */
  static Result slowConsumer(LoadOptions o) throws Exception {
    String topic = "slow-" + System.nanoTime();
    LongAdder total = new LongAdder();
    Phase phase = new Phase(o.serverPid);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-slow-reader");
      t.setDaemon(true);
      return t;
    });
    try (Clients clients = new Clients(o, o.subscriberConnections()); Clients pub = new Clients(o, 1);
        Clients slowConnection = new Clients(o, 1)) {
      // Fill the topic's retained history first (--events, the server's default retention), so that the heap
      // measured without the slow subscriber already holds a full history and the difference is the slow one's.
      publishBatch(pub, topic, o.payload, o.events);
      List<Subscriber> subs = new ArrayList<>();
      for (int i = 0; i < o.subscribers; i++) {
        subs.add(new Subscriber(total, false).subscribe(clients.get(i), topic));
      }
      Publisher publisher = new Publisher(pub.get(0), topic, o.payload, o.rate, Long.MAX_VALUE, () -> 0).start();
      double without = phase.measure(o.warmup, o.duration, total::sum) / o.subscribers;
      long heapWithout = heap(o);
      long rssWithout = o.serverPid > 0 ? ServerProbe.rss(o.serverPid) : 0;

      AtomicLong resubscribes = new AtomicLong();
      Subscriber[] slow = {new Subscriber(new LongAdder(), true).subscribe(slowConnection.get(0), topic)};
      long periodMicros = 1_000_000L / Math.max(1, o.slowRate);
      timer.scheduleAtFixedRate(() -> {
        if (slow[0].done) {
          resubscribes.incrementAndGet();
          slow[0] = new Subscriber(new LongAdder(), true).subscribe(slowConnection.get(0), topic);
        }
        slow[0].requestOne();
      }, periodMicros, periodMicros, TimeUnit.MICROSECONDS);
      double with = phase.measure(o.warmup, o.duration, total::sum) / o.subscribers;
      long heapWith = heap(o);
      long rssWith = o.serverPid > 0 ? ServerProbe.rss(o.serverPid) : 0;
      timer.shutdownNow();
      publisher.stop();
      slow[0].cancel();
      subs.forEach(Subscriber::cancel);
      return new Result("slow-consumer")
          .put("subscribers", o.subscribers)
          .put("rate", o.rate)
          .put("payload_bytes", o.payload)
          .put("others_rate_without", without)
          .put("others_rate_with", with)
          .put("others_rate_ratio", with / without)
          .put("heap_without_mib", heapWithout / 1048576.0)
          .put("heap_with_mib", heapWith / 1048576.0)
          .put("heap_growth_mib", (heapWith - heapWithout) / 1048576.0)
          .put("rss_growth_mib", (rssWith - rssWithout) / 1048576.0)
          .put("slow_resubscribes", resubscribes.get());
    } finally {
      timer.shutdownNow();
    }
  }

  /**
   * {@code idle}: N live subscriptions that receive one event (which proves they are registered), then idle; the
   * server's heap after GC and RSS per subscription, and the load tool's own heap after GC, RSS and threads. The
   * subscriptions go over {@link LoadOptions#subscriberConnections()} connections, at most
   * {@code --max-streams-per-connection} on one (a stream beyond the server's limit would never start). One event
   * is published a second until every subscription has one, or until {@code --register-timeout} passes without one
   * more getting it; those still without it count as failed. The server is measured once the last event published
   * has reached every subscription.
   */
  static Result idle(LoadOptions o) throws Exception {
    if (o.serverPid <= 0) {
      throw new IllegalArgumentException("--server-pid: 0 (expected: the server's PID; idle measures its heap)");
    }
    String topic = "idle-" + System.nanoTime();
    LongAdder total = new LongAdder();
    int connections = o.subscriberConnections();
    try (Clients clients = Clients.withoutRetries(o, connections); Clients pub = new Clients(o, 1)) {
      long before = ServerProbe.heapAfterGc(o.serverPid);
      long rssBefore = ServerProbe.rss(o.serverPid);
      List<Subscriber> subs = new ArrayList<>(o.subscribers);
      for (int i = 0; i < o.subscribers; i++) {
        subs.add(new Subscriber(total, false).subscribe(clients.get(i), topic));
      }
      long settled = settled(subs);
      long lastProgress = System.nanoTime();
      long lastOffset = 0;
      while (settled < o.subscribers && System.nanoTime() - lastProgress < o.registerTimeout.toNanos()) {
        lastOffset = publishOne(pub, topic, o.payload);
        await(() -> settled(subs) == o.subscribers, 1);
        long now = settled(subs);
        if (now > settled) {
          settled = now;
          lastProgress = System.nanoTime();
        }
      }
      // Idle means nothing in flight: the last events published while waiting may still be on their way to many
      // subscriptions, and their frames and promises (about 20 MB at 100,000, measured with
      // jcmd GC.class_histogram) would be counted as the subscriptions' heap.
      long lastPublished = lastOffset;
      if (!await(() -> subs.stream().allMatch(s -> s.first == 0 || s.done || s.last >= lastPublished),
          (int) Math.max(1, o.registerTimeout.toSeconds()))) {
        System.err.println("idle: offset " + lastPublished + " had not reached every subscription after "
            + o.registerTimeout.toSeconds() + " s; the heap is measured with deliveries still in flight");
      }
      long registered = subs.stream().filter(s -> s.first != 0).count();
      long failed = subs.stream().filter(s -> s.error != null || s.first == 0).count();
      if (registered < o.subscribers) {
        System.err.println("idle: " + (o.subscribers - registered) + " of " + o.subscribers + " subscriptions never "
            + "received the event (" + subs.stream().filter(s -> s.error != null).count() + " failed, the others "
            + "waited " + o.registerTimeout.toSeconds() + " s without progress: more streams per connection than "
            + "the server's --max-concurrent-streams? Lower --max-streams-per-connection)");
      }
      long after = ServerProbe.heapAfterGc(o.serverPid);
      long rssAfter = ServerProbe.rss(o.serverPid);
      // The load tool's own cost of holding the subscriptions, so that a run can show the client is not the limit.
      System.gc();
      long clientHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      long clientRss = ServerProbe.rss(ProcessHandle.current().pid());
      int clientThreads = ManagementFactory.getThreadMXBean().getThreadCount();
      subs.forEach(Subscriber::cancel);
      return new Result("idle")
          .put("subscribers", o.subscribers)
          .put("connections", connections)
          .put("subscribers_registered", registered)
          .put("subscribers_failed", failed)
          .put("heap_before_mib", before / 1048576.0)
          .put("heap_after_mib", after / 1048576.0)
          .put("heap_per_stream_bytes", Math.round((after - before) / (double) o.subscribers))
          .put("rss_per_stream_bytes", Math.round((rssAfter - rssBefore) / (double) o.subscribers))
          .put("client_heap_mib", clientHeap / 1048576.0)
          .put("client_rss_mib", clientRss / 1048576.0)
          .put("client_threads", clientThreads);
    }
  }

  /** Subscriptions that got their first event or ended. */
  private static long settled(List<Subscriber> subs) {
    return subs.stream().filter(s -> s.first != 0 || s.done).count();
  }

  /**
   * {@code server-stream}: S streams each read the topic's first K events (replayed from the server's history as
   * fast as the stream is ready), cancel, and read them again. Events per second over all streams.
   */
  static Result serverStream(LoadOptions o) throws Exception {
    String topic = "stream-" + System.nanoTime() + "." + o.payload;
    LongAdder total = new LongAdder();
    Phase phase = new Phase(o.serverPid);
    try (Clients clients = new Clients(o, Math.min(o.connections, o.streams)); Clients pub = new Clients(o, 1)) {
      publishBatch(pub, topic, o.payload, o.events);
      List<Replayer> streams = new ArrayList<>();
      for (int i = 0; i < o.streams; i++) {
        Replayer r = new Replayer(clients.get(i), topic, o.events, total, phase);
        streams.add(r);
        r.subscribe();
      }
      double rate = phase.measure(o.warmup, o.duration, total::sum);
      phase.stopped = true;
      streams.forEach(Replayer::cancel);
      return phase.cpuPerOp(new Result("server-stream")
          .put("streams", o.streams)
          .put("payload_bytes", o.payload)
          .put("events_per_s", Math.round(rate))
          .put("gaps", streams.stream().mapToLong(r -> r.gaps).sum()));
    }
  }

  /**
   * {@code ingest}: S client-streaming Publish calls in a loop, each sending M events while ready (in turn to T
   * topics), then half-close and wait for the ack. Acknowledged events per second and the ack latency (half-close to
   * PublishAck).
   */
  static Result ingest(LoadOptions o) throws Exception {
    String run = "ingest-" + System.nanoTime() + "-";
    int topicCount = Math.max(1, o.topics);
    LongAdder acked = new LongAdder();
    Recorder ackLatency = new Recorder(3);
    Phase phase = new Phase(o.serverPid);
    List<Thread> threads = new ArrayList<>();
    try (Clients clients = new Clients(o, Math.min(o.connections, o.streams))) {
      for (int i = 0; i < o.streams; i++) {
        int stream = i;
        Thread t = new Thread(() -> {
          ByteString payload = ByteString.copyFrom(new byte[o.payload]);
          PublishRequest[] requests = new PublishRequest[topicCount];
          for (int k = 0; k < topicCount; k++) {
            requests[k] = PublishRequest.newBuilder().setTopic(run + k).setPayload(payload).build();
          }
          while (!phase.stopped) {
            AckWaiter ack = new AckWaiter();
            StreamServiceGrpc.newStub(clients.get(stream)).publish(ack);
            for (int n = 0; n < o.batch; n++) {
              while (!ack.call.isReady() && !ack.failed) {
                LockSupport.parkNanos(20_000);
              }
              ack.call.onNext(requests[(stream + n) % topicCount]);
            }
            long halfClose = System.nanoTime();
            ack.call.onCompleted();
            try {
              ack.latch.await();
            } catch (InterruptedException e) {
              return;
            }
            if (ack.failed) {
              System.err.println("publish failed: " + ack.error);
              return;
            }
            if (phase.measuring) {
              ackLatency.recordValue(System.nanoTime() - halfClose);
            }
            acked.add(ack.count);
          }
        }, "bench-ingest-" + i);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
      double rate = phase.measure(o.warmup, o.duration, acked::sum);
      phase.stopped = true;
      for (Thread t : threads) {
        t.join(30_000);
      }
      Histogram h = ackLatency.getIntervalHistogram();
      return phase.cpuPerOp(new Result("ingest")
          .put("streams", o.streams)
          .put("topics", topicCount)
          .put("batch", o.batch)
          .put("payload_bytes", o.payload)
          .put("events_per_s", Math.round(rate))
          .put("ack_p50_us", h.getValueAtPercentile(50) / 1e3)
          .put("ack_p99_us", h.getValueAtPercentile(99) / 1e3));
    }
  }

  private static long heap(LoadOptions o) throws Exception {
    return o.serverPid > 0 ? ServerProbe.heapAfterGc(o.serverPid) : 0;
  }

  /** Publishes one event; returns its offset. */
  private static long publishOne(Clients pub, String topic, int payload) throws Exception {
    return publishBatch(pub, topic, payload, 1);
  }

  /** Publishes {@code events} events in one Publish call; returns the topic's last offset from the ack. */
  private static long publishBatch(Clients pub, String topic, int payload, int events) throws Exception {
    AckWaiter ack = new AckWaiter();
    StreamServiceGrpc.newStub(pub.get(0)).publish(ack);
    PublishRequest request = PublishRequest.newBuilder()
        .setTopic(topic).setPayload(ByteString.copyFrom(new byte[payload])).build();
    for (int n = 0; n < events; n++) {
      while (!ack.call.isReady() && !ack.failed) {
        LockSupport.parkNanos(20_000);
      }
      ack.call.onNext(request);
    }
    ack.call.onCompleted();
    if (!ack.latch.await(60, TimeUnit.SECONDS) || ack.failed) {
      throw new IllegalStateException("publishing " + events + " events to " + topic + " failed: " + ack.error);
    }
    return ack.lastOffsets.getOrDefault(topic, 0L);
  }

  static boolean await(BooleanSupplier condition, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  private static void awaitOrFail(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
    if (!await(condition, seconds)) {
      throw new IllegalStateException("timed out after " + seconds + " s waiting until " + what);
    }
  }

  /** Waits for one Publish call's ack. */
  private static final class AckWaiter implements ClientResponseObserver<PublishRequest, PublishAck> {
    final CountDownLatch latch = new CountDownLatch(1);
    ClientCallStreamObserver<PublishRequest> call;
    volatile long count;
    volatile Map<String, Long> lastOffsets = Map.of();
    volatile boolean failed;
    volatile Throwable error;

    @Override
    public void beforeStart(ClientCallStreamObserver<PublishRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(PublishAck value) {
      count = value.getCount();
      lastOffsets = value.getLastOffsetsMap();
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      failed = true;
      latch.countDown();
    }

    @Override
    public void onCompleted() {
      latch.countDown();
    }
  }

  /** Reads offsets 1..K of a topic, cancels at K and starts over (a new call), on the transport thread. */
  private static final class Replayer {
    private final io.grpc.Channel channel;
    private final String topic;
    private final long events;
    private final LongAdder total;
    private final Phase phase;
    private Pass current;
    volatile long gaps;

    Replayer(io.grpc.Channel channel, String topic, long events, LongAdder total, Phase phase) {
      this.channel = channel;
      this.topic = topic;
      this.events = events;
      this.total = total;
      this.phase = phase;
    }

    synchronized void subscribe() {
      current = new Pass();
      StreamServiceGrpc.newStub(channel).subscribe(SubscribeRequest.newBuilder()
          .addTopics(TopicSubscription.newBuilder().setTopic(topic).setAfterOffset(0)).build(), current);
    }

    synchronized void cancel() {
      current.call.cancel("benchmark over", null);
    }

    /** One read of offsets 1..K; its callbacks are serialized by grpc-java. */
    private final class Pass implements ClientResponseObserver<SubscribeRequest, Event> {
      private ClientCallStreamObserver<SubscribeRequest> call;
      private long last;
      private boolean finished;

      @Override
      public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
        call = requestStream;
      }

      @Override
      public void onNext(Event e) {
        if (finished) {
          return;
        }
        if (e.getOffset() != last + 1) {
          gaps++;
        }
        last = e.getOffset();
        total.increment();
        if (last >= events) {
          finished = true;
          call.cancel("read all " + events, null);
          if (!phase.stopped) {
            subscribe();
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        // Our own cancel at offset K, or the end of the run.
      }

      @Override
      public void onCompleted() {}
    }
  }
}
