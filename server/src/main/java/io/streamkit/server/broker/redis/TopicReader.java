package io.streamkit.server.broker.redis;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.streamkit.api.v1.Event;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.internal.broker.Cursor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one reader of a {@link RedisBroker}: a thread with its own Redis connection that keeps a {@link Mirror} of
 * every topic with local subscribers and serves them all with one blocking XREAD per round trip.
 *
 * <p>Each turn: start the subscriptions added since the last turn (their positions are resolved against Redis's
 * current history), check every mirrored topic against Redis about once a second (epoch, trimming, rollback, key
 * time-to-live), then wait up to {@link #BLOCK} for new events of any mirrored topic, or for a wake-up entry that
 * {@link #add} writes to this instance's wake stream when a subscription arrives.
 *
 * <p>Concurrency: everything but {@link #add}, {@link #subscriberCount} and {@link #close} runs on the reader
 * thread. When a command fails the reader reports Redis unavailable, drops its connection, waits (50 ms doubling
 * to 1 s) and tries again with the same positions: subscriptions pause and then receive what was published
 * meanwhile, in order.
 */
final class TopicReader {
  private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
  static final Duration BLOCK = Duration.ofSeconds(1);
  private static final long CHECK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int BATCH = 1000;
  private static final int CHECK_BATCH = 200;
  private static final byte[] WAKE_FIELD = {'w'};

  final Availability availability;
  private final RedisBroker broker;
  private final RedisNodes nodes;
  private final Thread thread;
  private final ConcurrentLinkedQueue<PendingSubscription> added = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakeRequested = new AtomicBoolean();
  private final ConcurrentHashMap<String, Mirror> mirrors = new ConcurrentHashMap<>();
  private final CountDownLatch firstAttempt = new CountDownLatch(1);
  private final byte[] wakeKey;
  private volatile boolean closed;
  // Reader thread only:
  private final List<PendingSubscription> waiting = new ArrayList<>();
  /** The reader's own connection per node (never one of the command connections). */
  private final Map<String, StatefulRedisConnection<byte[], byte[]>> connections = new HashMap<>();
  /** Redis Cluster: the blocking reads in flight, per node and key (bells and the wake stream). */
  private final Map<String, BlockingRead> blocking = new HashMap<>();
  private String wakeId = "0-0";
  private long nextCheck;
  /**
   * Redis Cluster: the nodes to read next turn (whose bell rang, or that returned events last turn); null: all.
   * A node left out had no ring since it was last read, so it has nothing new: its bell read is still in flight.
   */
  private Set<String> due;

  TopicReader(RedisBroker broker) {
    this.broker = broker;
    this.nodes = broker.nodes;
    this.availability = new Availability("connecting to " + broker.where);
    this.wakeKey = (broker.keyPrefix + ":wake:" + Epochs.next()).getBytes(StandardCharsets.UTF_8);
    this.thread = new Thread(this::run, "streamkit-redis-reader");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
    try {
      firstAttempt.await(broker.commandTimeout.toMillis() + 500, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Any thread: queues a new subscription and wakes the reader so that it starts without waiting a turn. */
  void add(PendingSubscription cursor) {
    if (closed) {
      cursor.end(Status.UNAVAILABLE.withDescription("the Redis broker is closed"));
      return;
    }
    added.add(cursor);
    if (wakeRequested.compareAndSet(false, true)) {
      nodes.commandsFor(wakeKey).thenAccept(nc -> {
        nc.connection().async().xadd(wakeKey, XAddArgs.Builder.maxlen(1), Map.of(WAKE_FIELD, WAKE_FIELD));
        nc.connection().async().pexpire(wakeKey, 600_000);
      }); // a lost wake-up costs at most one BLOCK of delay: the reader looks at the queue every turn
    }
  }

  int subscriberCount(String topic) {
    Mirror m = mirrors.get(topic);
    return m == null ? 0 : m.history.subscriberCount();
  }

  /** Returns false when already closed. */
  boolean close() {
    if (closed) {
      return false;
    }
    closed = true;
    thread.interrupt();
    try {
      thread.join(3000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Status closing = Status.UNAVAILABLE.withDescription("the Redis broker is closed; resubscribe to another server");
    for (Mirror m : mirrors.values()) {
      m.history.endAll(closing);
    }
    for (PendingSubscription c : added) {
      c.end(closing);
    }
    if (!thread.isAlive()) {
      for (PendingSubscription c : waiting) { // taken from the queue, not started: Redis was down
        c.end(closing);
      }
    }
    return true;
  }

  private void run() {
    long backoffMs = 50;
    while (!closed) {
      try {
        if (connections.isEmpty()) {
          nextCheck = System.nanoTime();
        }
        wakeRequested.set(false);
        dropUnused();
        startAdded();
        if (System.nanoTime() - nextCheck >= 0) {
          refresh(loadedMirrors());
          nextCheck = System.nanoTime() + CHECK_EVERY_NANOS;
        }
        availability.set(true, "");
        firstAttempt.countDown();
        readOnce();
        backoffMs = 50;
      } catch (RuntimeException e) {
        if (closed) {
          break;
        }
        nodes.topologyMayHaveChanged(e);
        if (RedisNodes.redirected(e)) {
          // A slot moved (resharding, failover): nothing is lost, the next turn reads from its new node.
          log.debug("a read was redirected; reading the cluster's topology again", e);
          try {
            Thread.sleep(20);
          } catch (InterruptedException interrupted) {
            break;
          }
          continue;
        }
        availability.set(false, broker.where + " is unreachable: " + e.getMessage());
        firstAttempt.countDown();
        disconnect();
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException interrupted) {
          break;
        }
        backoffMs = Math.min(1000, backoffMs * 2);
      }
    }
    disconnect();
  }

  private void disconnect() {
    due = null;
    List<StatefulRedisConnection<byte[], byte[]>> all = new ArrayList<>(connections.values());
    blocking.values().forEach(b -> all.add(b.connection));
    connections.clear();
    blocking.clear();
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    for (StatefulRedisConnection<byte[], byte[]> c : all) {
      closing.add(c.closeAsync());
    }
    if (closed) {
      // The broker closes the client next: let these closes finish first, or it closes them again (and warns).
      try {
        CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.debug("closing the reader's connections did not finish in time", e);
      }
    }
  }

  /** The reader's connection to {@code node}, made now if needed. */
  private StatefulRedisConnection<byte[], byte[]> connection(String node) {
    StatefulRedisConnection<byte[], byte[]> c = connections.get(node);
    if (c == null || !c.isOpen()) {
      c = connect(node);
      connections.put(node, c);
    }
    return c;
  }

  private StatefulRedisConnection<byte[], byte[]> connect(String node) {
    StatefulRedisConnection<byte[], byte[]> c = nodes.connectReader(node, BLOCK.plus(broker.commandTimeout));
    if (!nodes.multiSlot()) {
      c.sync().readOnly(); // may read a replica (--redis-wait-replicas); harmless on a master
    }
    return c;
  }

  /** Forgets topics that no local subscriber reads any more. */
  private void dropUnused() {
    mirrors.values().removeIf(m -> waiting.stream().noneMatch(c -> c.topic.equals(m.topic()))
        && m.history.retireIfUnused(false));
  }

  /** Resolves the new subscriptions' positions against Redis's current history and registers them. */
  private void startAdded() {
    for (PendingSubscription c; (c = added.poll()) != null; ) {
      waiting.add(c);
    }
    waiting.removeIf(PendingSubscription::cancelled);
    if (waiting.isEmpty()) {
      return;
    }
    due = null;
    // Ask Redis for the current state of every topic that gets a subscriber, so that positions are resolved
    // against it. A position above Redis's last offset is not taken as proof of a rollback: any client could
    // claim one, and a new epoch would reset the topic for everybody. Only what this instance saw counts.
    Set<Mirror> toRefresh = new LinkedHashSet<>();
    for (PendingSubscription c : waiting) {
      toRefresh.add(mirrors.computeIfAbsent(c.topic, t -> new Mirror(t, broker.historyMaxEvents)));
    }
    refresh(new ArrayList<>(toRefresh));
    while (!waiting.isEmpty()) {
      PendingSubscription c = waiting.remove(waiting.size() - 1); // first: a sink that throws starts nothing twice
      if (!c.cancelled()) {
        c.started(mirrors.get(c.topic).history.subscribe(c.position, c.sink, broker.maxSubscriberLag));
      }
    }
  }

  private List<Mirror> loadedMirrors() {
    List<Mirror> out = new ArrayList<>();
    for (Mirror m : mirrors.values()) {
      if (m.loaded) {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * Runs the check script for each of {@code ms} (trims by age, refreshes the keys' time-to-live, begins a new epoch where
   * Redis lost known events) and brings each mirror up to date with the answer. The offset to trim below comes
   * from the mirror itself (its events carry their publish time), so Redis scans nothing.
   */
  private void refresh(List<Mirror> ms) {
    long now = System.currentTimeMillis();
    Instant cutoff = Instant.ofEpochMilli(now).minus(broker.historyMaxAge);
    for (int from = 0; from < ms.size(); from += CHECK_BATCH) {
      List<Mirror> batch = ms.subList(from, Math.min(ms.size(), from + CHECK_BATCH));
      List<CompletableFuture<List<Object>>> answers = new ArrayList<>(batch.size());
      for (Mirror m : batch) { // one single-slot script per topic, pipelined
        String epoch = m.history.epoch();
        // The highest offset this instance saw of the topic's epoch: from its mirror or its own publishes.
        KnownOffsets.Known k = broker.known.get(m.topic());
        if (m.loaded && !epoch.isEmpty() && !(k.epoch().equals(epoch) && k.last() >= m.history.last())) {
          k = new KnownOffsets.Known(epoch, m.history.last());
        }
        long trimBelow = 0;
        if (m.loaded && !m.stale && !epoch.isEmpty()) {
          m.history.trim(Long.MIN_VALUE, cutoff);
          trimBelow = m.history.oldest();
        }
        byte[][] keys = {Scripts.hashKey(broker.keyPrefix, m.topic()), Scripts.streamKey(broker.keyPrefix, m.topic())};
        byte[][] args = {RedisBroker.bytes(broker.keyTtlMillis), RedisBroker.bytes(k.epoch()),
            RedisBroker.bytes(k.last()), RedisBroker.bytes(Epochs.next()), RedisBroker.bytes(epoch),
            RedisBroker.bytes(trimBelow)};
        answers.add(RedisBroker.eval(connection(nodes.nodeOf(keys[0])), Scripts.CHECK_SHA, Scripts.CHECK, keys, args));
      }
      for (int i = 0; i < batch.size(); i++) {
        List<Object> out = join(answers.get(i));
        String epoch = new String((byte[]) out.get(0), StandardCharsets.UTF_8);
        sync(batch.get(i), epoch, (Long) out.get(1), (Long) out.get(2), cutoff);
      }
    }
  }

  private void sync(Mirror m, String epoch, long last, long oldest, Instant cutoff) {
    if (epoch.isEmpty()) {
      // Redis holds no history of the topic (never used, expired, or lost): keep what we have; the first
      // event published brings a new epoch, which the cursors see as a reset.
      if (!m.loaded) {
        m.history.reset("", 0);
        m.loaded = true;
      }
    } else if (!m.loaded || m.stale || !epoch.equals(m.history.epoch())) {
      reload(m, epoch, last);
      // An entry across Redis's trim point still holds events below it: they are no longer retained.
      m.history.trim(m.history.epoch().equals(epoch) ? oldest : Long.MIN_VALUE, cutoff);
    } else {
      catchUp(m);
      // What the check read counts as seen, as what XREAD reads does: a publish of this instance compares it with
      // Redis's counter, and would otherwise reuse these offsets after a rollback (then lost to the next check).
      broker.known.saw(m.topic(), m.history.epoch(), m.history.last());
      m.history.trim(oldest == 0 ? last + 1 : oldest, cutoff);
    }
    m.history.signal();
  }

  /** Loads the topic's whole retained history of its current epoch into the mirror. */
  private void reload(Mirror m, String epoch, long last) {
    List<TopicEvent> events = range(m.topic(), "-", epoch);
    String e = events.isEmpty() ? epoch : events.get(0).epoch();
    if (events.isEmpty()) {
      byte[] hash = Scripts.hashKey(broker.keyPrefix, m.topic());
      String readNode = nodes.readNodeOf(hash);
      if (!readNode.equals(nodes.nodeOf(hash))) {
        // Read from a replica: what it has, not what the master counts, or events on their way to it are skipped.
        byte[] replicaLast = connection(readNode).sync().hget(hash, "last".getBytes(StandardCharsets.UTF_8));
        last = replicaLast == null ? 0 : Math.min(last, Long.parseLong(new String(replicaLast, StandardCharsets.UTF_8)));
      }
    }
    m.history.reset(e, events.isEmpty() ? last : events.get(0).offset() - 1);
    for (TopicEvent event : events) {
      if (!event.epoch().equals(e)) {
        break; // a newer history began while we read; the next check reloads it
      }
      m.history.append(event);
    }
    m.loaded = true;
    m.stale = false;
    broker.known.saw(m.topic(), e, m.history.last());
    log.debug("mirrored topic '{}' epoch {} offsets {}..{}", m.topic(), e, m.history.oldest(), m.history.last());
  }

  private void catchUp(Mirror m) {
    String epoch = m.history.epoch();
    for (TopicEvent event : range(m.topic(), "(" + m.history.last() + "-0", epoch)) {
      if (event.epoch() != epoch) {
        m.stale = true;
        return;
      }
      m.history.append(event);
    }
  }

  /** XRANGE from {@code start} to the end, in batches; events of {@code epoch} share its String instance. */
  private List<TopicEvent> range(String topic, String start, String epoch) {
    byte[] key = Scripts.streamKey(broker.keyPrefix, topic);
    List<TopicEvent> out = new ArrayList<>();
    String from = start;
    for (; ; ) {
      Range<String> range = from.equals("-")
          ? Range.unbounded()
          : Range.from(Range.Boundary.excluding(from.substring(1)), Range.Boundary.unbounded());
      List<StreamMessage<byte[], byte[]>> batch =
          connection(nodes.readNodeOf(key)).sync().xrange(key, range, Limit.create(0, BATCH));
      for (StreamMessage<byte[], byte[]> msg : batch) {
        out.addAll(decode(topic, msg, epoch));
      }
      if (batch.size() < BATCH) {
        return out;
      }
      from = "(" + batch.get(batch.size() - 1).getId();
    }
  }

  /**
   * Reads what arrived for the mirrored topics and appends it, waiting up to {@link #BLOCK} when nothing did.
   * One Redis: one XREAD BLOCK over every mirrored topic and the wake stream. Redis Cluster, where one XREAD names
   * keys of one slot only: one XREAD without BLOCK per slot with mirrored topics (pipelined per node), and when
   * none returned anything, blocking XREADs on each node's bell (which publishers ring after every batch) and on
   * this instance's wake stream, each on a connection of its own.
   */
  private void readOnce() {
    if (nodes.multiSlot()) {
      readBlocking();
      return;
    }
    Map<String, Map<Integer, List<Mirror>>> byNodeAndSlot = new HashMap<>();
    for (Mirror m : loadedMirrors()) {
      byte[] key = Scripts.streamKey(broker.keyPrefix, m.topic());
      byNodeAndSlot.computeIfAbsent(nodes.readNodeOf(key), n -> new HashMap<>())
          .computeIfAbsent(SlotHash.getSlot(key), s -> new ArrayList<>()).add(m);
    }
    Set<String> toRead = due;
    due = null;
    List<CompletableFuture<List<StreamMessage<byte[], byte[]>>>> reads = new ArrayList<>();
    List<String> readFrom = new ArrayList<>();
    Map<String, Mirror> byKey = new HashMap<>();
    for (Map.Entry<String, Map<Integer, List<Mirror>>> node : byNodeAndSlot.entrySet()) {
      if (toRead != null && !toRead.contains(node.getKey())) {
        continue;
      }
      StatefulRedisConnection<byte[], byte[]> c = connection(node.getKey());
      for (List<Mirror> slot : node.getValue().values()) {
        reads.add(c.async().xread(XReadArgs.Builder.count(BATCH), offsets(slot, byKey)).toCompletableFuture());
        readFrom.add(node.getKey());
      }
    }
    Set<String> returned = new HashSet<>();
    for (int i = 0; i < reads.size(); i++) {
      List<StreamMessage<byte[], byte[]>> messages = join(reads.get(i));
      if (messages != null && !messages.isEmpty()) {
        returned.add(readFrom.get(i));
        apply(messages, byKey);
      }
    }
    if (!returned.isEmpty()) {
      due = returned; // there may be more: read those nodes again at once
      return;
    }
    Set<String> rang = waitForBells(byNodeAndSlot.keySet());
    due = rang.isEmpty() ? null : rang; // nothing rang (a check, the wake stream, a timeout): read every node
  }

  /** One Redis: one blocking XREAD over every mirrored topic and the wake stream. */
  private void readBlocking() {
    Map<String, Mirror> byKey = new HashMap<>();
    List<XReadArgs.StreamOffset<byte[]>> offsets = new ArrayList<>(List.of(offsets(loadedMirrors(), byKey)));
    offsets.add(XReadArgs.StreamOffset.from(wakeKey, wakeId));
    long untilCheck = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextCheck - System.nanoTime()));
    List<StreamMessage<byte[], byte[]>> messages = connection(nodes.nodeOf(wakeKey)).sync().xread(
        XReadArgs.Builder.block(Math.min(BLOCK.toMillis(), untilCheck)).count(BATCH),
        offsets.toArray(XReadArgs.StreamOffset[]::new));
    if (messages != null && !messages.isEmpty()) {
      apply(messages, byKey);
    }
  }

  @SuppressWarnings("unchecked")
  private XReadArgs.StreamOffset<byte[]>[] offsets(List<Mirror> ms, Map<String, Mirror> byKey) {
    XReadArgs.StreamOffset<byte[]>[] out = new XReadArgs.StreamOffset[ms.size()];
    for (int i = 0; i < ms.size(); i++) {
      Mirror m = ms.get(i);
      byte[] key = Scripts.streamKey(broker.keyPrefix, m.topic());
      byKey.put(new String(key, StandardCharsets.UTF_8), m);
      out[i] = XReadArgs.StreamOffset.from(key, m.history.last() + "-0");
    }
    return out;
  }

  /**
   * Redis Cluster: waits until a bell rings on one of {@code readNodes} (a publish on that node), the wake stream
   * gets an entry, {@link #BLOCK} passes or a check is due; returns the nodes whose bell rang. Each blocking
   * XREAD has its own connection and stays in flight across turns until it returns, so no ring is missed: it asks
   * for entries after the last one seen.
   */
  private Set<String> waitForBells(Set<String> readNodes) {
    List<BlockingRead> watched = new ArrayList<>();
    Map<BlockingRead, String> bells = new HashMap<>();
    for (String node : readNodes) {
      byte[] bell = ((ClusterNodes) nodes).bellKey(broker.keyPrefix, nodes.masterOf(node));
      BlockingRead b = blockingRead(node, bell);
      watched.add(b);
      bells.put(b, node);
    }
    Set<String> rang = new HashSet<>();
    BlockingRead wake = blockingRead(nodes.nodeOf(wakeKey), wakeKey);
    watched.add(wake);
    for (BlockingRead b : watched) {
      if (b.inFlight == null) {
        b.inFlight = b.connection.async().xread(XReadArgs.Builder.block(BLOCK.toMillis()).count(1),
            XReadArgs.StreamOffset.from(b.key, b.lastId)).toCompletableFuture();
      }
    }
    long untilCheck = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextCheck - System.nanoTime()));
    try {
      CompletableFuture.anyOf(watched.stream().map(b -> b.inFlight).toArray(CompletableFuture[]::new))
          .get(Math.min(BLOCK.toMillis(), untilCheck), TimeUnit.MILLISECONDS);
    } catch (TimeoutException nothingYet) {
      // a check is due, or the blocking reads time out in Redis next
    } catch (ExecutionException failed) {
      // handled per read below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("the Redis broker is closing", e);
    }
    for (BlockingRead b : watched) {
      if (b.inFlight.isDone()) {
        CompletableFuture<List<StreamMessage<byte[], byte[]>>> done = b.inFlight;
        b.inFlight = null;
        List<StreamMessage<byte[], byte[]>> rung = join(done);
        if (rung != null && !rung.isEmpty()) {
          b.lastId = rung.get(rung.size() - 1).getId();
          if (bells.containsKey(b)) {
            rang.add(bells.get(b));
          }
        }
      }
    }
    // Blocking reads of nodes no longer read (topology changed, topics gone) end within BLOCK; then close them.
    blocking.values().removeIf(b -> {
      boolean unused = !watched.contains(b) && (b.inFlight == null || b.inFlight.isDone());
      if (unused) {
        b.connection.closeAsync();
      }
      return unused;
    });
    return rang;
  }

  private BlockingRead blockingRead(String node, byte[] key) {
    String id = node + " " + new String(key, StandardCharsets.UTF_8);
    BlockingRead b = blocking.get(id);
    if (b == null || !b.connection.isOpen()) {
      if (b != null) {
        b.connection.closeAsync();
      }
      b = new BlockingRead(key, connect(node));
      blocking.put(id, b);
    }
    return b;
  }

  /** A blocking XREAD of one key on one node, on its own connection; reader thread only. */
  private static final class BlockingRead {
    final byte[] key;
    final StatefulRedisConnection<byte[], byte[]> connection;
    String lastId = "0-0";
    CompletableFuture<List<StreamMessage<byte[], byte[]>>> inFlight;

    BlockingRead(byte[] key, StatefulRedisConnection<byte[], byte[]> connection) {
      this.key = key;
      this.connection = connection;
    }
  }

  private <T> T join(CompletableFuture<T> f) {
    try {
      return f.get(BLOCK.plus(broker.commandTimeout).toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new RedisCommandTimeoutException("no answer from " + broker.where);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("the Redis broker is closing", e);
    }
  }

  /** Appends what an XREAD returned to the mirrors and signals their cursors. */
  private void apply(List<StreamMessage<byte[], byte[]>> messages, Map<String, Mirror> byKey) {
    Map<Mirror, Boolean> touched = new LinkedHashMap<>();
    List<Mirror> stale = new ArrayList<>();
    for (StreamMessage<byte[], byte[]> msg : messages) {
      if (Arrays.equals(msg.getStream(), wakeKey)) {
        wakeId = msg.getId();
        continue;
      }
      Mirror m = byKey.get(new String(msg.getStream(), StandardCharsets.UTF_8));
      if (m == null || m.stale) {
        continue;
      }
      List<TopicEvent> events = decode(m.topic(), msg, m.history.epoch());
      if (events.get(0).epoch() != m.history.epoch()) {
        // A new history: its first events have offsets at or below what we asked for, so XREAD skipped them.
        m.stale = true;
        stale.add(m);
        continue;
      }
      for (TopicEvent event : events) {
        m.history.append(event);
      }
      touched.put(m, Boolean.TRUE);
    }
    for (Mirror m : touched.keySet()) {
      broker.known.saw(m.topic(), m.history.epoch(), m.history.last());
      m.history.signal();
    }
    if (!stale.isEmpty()) {
      refresh(stale);
    }
  }

  /**
   * The events of an entry (see {@link Scripts} for the layout), in offset order; their epoch is
   * {@code canonicalEpoch}'s instance when equal to it.
   */
  private static List<TopicEvent> decode(String topic, StreamMessage<byte[], byte[]> msg, String canonicalEpoch) {
    String id = msg.getId();
    long last = Long.parseLong(id.substring(0, id.indexOf('-')));
    String epoch = "";
    byte[] single = null;
    byte[] packed = null;
    int count = 1;
    for (Map.Entry<byte[], byte[]> f : msg.getBody().entrySet()) {
      byte[] key = f.getKey();
      if (key.length != 1) {
        continue;
      }
      switch (key[0]) {
        case 'e' -> epoch = new String(f.getValue(), StandardCharsets.UTF_8);
        case 'b' -> single = f.getValue();
        case 'p' -> packed = f.getValue();
        case 'n' -> count = Integer.parseInt(new String(f.getValue(), StandardCharsets.US_ASCII));
        default -> { }
      }
    }
    String e = epoch.equals(canonicalEpoch) ? canonicalEpoch : epoch;
    long offset = last - count + 1;
    try {
      if (packed == null) {
        byte[] body = single == null ? new byte[0] : single;
        return List.of(event(topic, offset, e, body, 0, body.length));
      }
      List<TopicEvent> out = new ArrayList<>(count);
      CodedInputStream in = CodedInputStream.newInstance(packed);
      for (int i = 0; i < count; i++, offset++) {
        int length = in.readRawVarint32();
        int at = in.getTotalBytesRead();
        out.add(event(topic, offset, e, packed, at, length));
        in.skipRawBytes(length);
      }
      return out;
    } catch (IOException | RuntimeException ex) {
      throw new IllegalStateException("topic '" + topic + "' entry " + id + " in Redis does not hold " + count
          + " Event(s): " + ex.getMessage(), ex);
    }
  }

  private static TopicEvent event(String topic, long offset, String epoch, byte[] bytes, int at, int length)
      throws InvalidProtocolBufferException {
    Event event = Event.parser().parseFrom(bytes, at, length).toBuilder()
        .setTopic(topic)
        .setOffset(offset)
        .setEpoch(epoch)
        .build();
    return TopicEvent.of(event);
  }
}
