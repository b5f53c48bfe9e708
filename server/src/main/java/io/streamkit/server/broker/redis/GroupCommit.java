package io.streamkit.server.broker.redis;

import com.google.protobuf.CodedOutputStream;
import io.grpc.Status;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.streamkit.api.v1.ErrorReason;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.broker.Published;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis broker's publish path: group commit per topic. Every publish of this instance (Publish streams,
 * handlers' {@code StreamContext.publish}, the application's {@code broker().publish}) joins its topic's queue;
 * while one script call of a topic is in flight the next publishes wait, and the next call takes them all (up to
 * {@value #MAX_BATCH_EVENTS} events or {@value #MAX_BATCH_BYTES} bytes), so a topic costs one round trip per batch,
 * not per event, and Redis stores a batch as one stream entry (see {@link Scripts}), so it costs Redis about one
 * entry's work, not one per event. The script assigns a batch contiguous offsets in queue order. Calls for different
 * topics are pipelined on the command connection of the node that holds each topic (one Redis: the instance's one
 * command connection; a cluster: one per master). A batch redirected by a moving slot was not run and is sent again.
 *
 * <p>Replicas: with {@code waitReplicas > 0} a stored batch is acknowledged only after a Redis WAIT on the same
 * connection confirmed that many replicas; one WAIT is in flight per connection and covers every batch stored on it
 * before it was sent (see {@code ReplicaWait}). A WAIT short of its replicas fails the batch with
 * REPLICATION_UNCONFIRMED: stored on the master, not acknowledged.
 *
 * <p>Order: publishes of one topic are stored in the order {@link #publish} was called; one call in flight per
 * topic keeps it across batches (a later batch is sent only after the earlier one is answered).
 *
 * <p>Failure: when a batch fails, its events fail with PUBLISH_UNCONFIRMED when the script may have run (sent, then
 * a timeout or a lost connection) or BROKER_UNAVAILABLE when it was not sent; the events queued behind it, and
 * those published to the topic while the failures are being reported, fail with BROKER_UNAVAILABLE (never sent),
 * so no later event of a stream is stored after an earlier one failed while the stream could not yet know.
 *
 * <p>Overflow: at most {@value #MAX_QUEUED_BYTES} bytes of events wait per broker; past that a publish fails at
 * once with BROKER_UNAVAILABLE (Redis is not keeping up), and is not stored.
 *
 * <p>Age trimming is not on this path: after each stored batch a topic remembers "offset N was stored by time T"
 * (a few marks per topic, at least {@code historyMaxAge / 32} apart), and {@link #trimByAge} trims below the newest
 * offset whose mark is older than the age limit with XTRIM MINID, computed without a scan.
 *
 * <p>Thread-safe. Completions run on Lettuce's event loop.
 */
final class GroupCommit {
  private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
  static final int MAX_BATCH_EVENTS = 1000;
  static final int MAX_BATCH_BYTES = 1 << 20;
  static final long MAX_QUEUED_BYTES = 64L << 20;
  private static final int MAX_MARKS = 64;

  private static final long REDIRECT_RETRY_MILLIS = 20;
  private static final XAddArgs BELL_ARGS = XAddArgs.Builder.maxlen(1);
  private static final Map<byte[], byte[]> BELL_BODY = Map.of(new byte[] {'w'}, new byte[] {'w'});

  private final RedisBroker broker;
  private final ConcurrentHashMap<String, TopicQueue> queues = new ConcurrentHashMap<>();
  /** WAITs per command connection (compared by identity: WAIT counts one connection's writes). */
  private final ConcurrentHashMap<StatefulRedisConnection<byte[], byte[]>, ReplicaWait> replicaWaits =
      new ConcurrentHashMap<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final long markEveryMillis;

  GroupCommit(RedisBroker broker) {
    this.broker = broker;
    this.markEveryMillis = Math.max(10, broker.historyMaxAge.toMillis() / 32);
  }

  /** One event waiting for its batch's answer. */
  private static final class Pending {
    final byte[] body;
    final CompletableFuture<Published> result = new CompletableFuture<>();

    Pending(byte[] body) {
      this.body = body;
    }
  }

  /** One topic's queue. The monitor guards every field. */
  private static final class TopicQueue {
    final String topic;
    final byte[][] keys;
    final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** A script call of this topic is in flight (or its answer is being handled). */
    boolean sending;
    /** A failed batch's events are being reported: publishes fail at once meanwhile. */
    boolean failing;
    boolean retired;
    /**
     * Age marks, oldest first, all of {@code markEpoch}: {offset, time (ms) by which every offset up to it was
     * stored, time the mark was begun}. A mark takes the batches of {@code everyMillis} after it began.
     */
    final ArrayDeque<long[]> marks = new ArrayDeque<>();
    String markEpoch = "";

    TopicQueue(String topic, String prefix) {
      this.topic = topic;
      this.keys = new byte[][] {Scripts.hashKey(prefix, topic), Scripts.streamKey(prefix, topic)};
    }

    List<Pending> takeBatch() {
      List<Pending> batch = new ArrayList<>(Math.min(pending.size(), MAX_BATCH_EVENTS));
      long bytes = 0;
      while (!pending.isEmpty() && batch.size() < MAX_BATCH_EVENTS
          && (batch.isEmpty() || bytes + pending.peek().body.length <= MAX_BATCH_BYTES)) {
        Pending p = pending.poll();
        bytes += p.body.length;
        batch.add(p);
      }
      return batch;
    }

    void mark(String epoch, long offset, long nowMillis, long everyMillis) {
      if (!epoch.equals(markEpoch)) {
        marks.clear();
        markEpoch = epoch;
      }
      long[] newest = marks.peekLast();
      if (newest != null && nowMillis - newest[2] < everyMillis) {
        newest[0] = offset;
        newest[1] = nowMillis;
        return;
      }
      if (marks.size() == MAX_MARKS) {
        marks.pollFirst();
      }
      marks.addLast(new long[] {offset, nowMillis, nowMillis});
    }
  }

  /** Queues {@code body} (an encoded Event without offset and epoch) for {@code topic}. */
  CompletableFuture<Published> publish(String topic, byte[] body) {
    if (queuedBytes.addAndGet(body.length) > MAX_QUEUED_BYTES) {
      queuedBytes.addAndGet(-body.length);
      return CompletableFuture.failedFuture(notStored(topic,
          MAX_QUEUED_BYTES + " bytes of events are already waiting for " + broker.where
              + " (it is not keeping up)").asException());
    }
    Pending p = new Pending(body);
    for (; ; ) {
      TopicQueue q = queues.computeIfAbsent(topic, t -> new TopicQueue(t, broker.keyPrefix));
      boolean start = false;
      boolean refused = false;
      synchronized (q) {
        if (q.retired) {
          continue; // the trimmer forgot the topic meanwhile: queue in a new one
        }
        if (q.failing) {
          refused = true;
        } else {
          q.pending.add(p);
          start = !q.sending;
          q.sending = true;
        }
      }
      if (refused) {
        finish(p, null, notStored(topic, "an earlier publish to topic '" + topic + "' failed just now"));
      } else if (start) {
        flush(q);
      }
      return p.result;
    }
  }

  /** Sends the topic's next batch, or marks it idle when nothing waits. */
  private void flush(TopicQueue q) {
    List<Pending> batch;
    synchronized (q) {
      batch = q.takeBatch();
      if (batch.isEmpty()) {
        q.sending = false;
        return;
      }
    }
    send(q, batch, System.nanoTime() + broker.commandTimeout.toNanos());
  }

  /**
   * Sends {@code batch} to the node that holds the topic. A redirect (the slot moved or is moving: MOVED, ASK,
   * TRYAGAIN, CLUSTERDOWN) means the script did not run, so the batch is sent again once the topology was read
   * again, until {@code deadline}; publishers never see a resharding.
   */
  private void send(TopicQueue q, List<Pending> batch, long deadline) {
    broker.nodes.commandsFor(q.keys[0]).whenComplete((nc, connectError) -> {
      if (connectError != null) {
        broker.nodes.topologyMayHaveChanged(connectError);
        failed(q, batch, connectError, false);
      } else {
        send(nc, q, batch, deadline);
      }
    });
  }

  private void send(RedisNodes.NodeConnection nc, TopicQueue q, List<Pending> batch, long deadline) {
    StatefulRedisConnection<byte[], byte[]> connection = nc.connection();
    KnownOffsets.Known k = broker.known.get(q.topic);
    byte[][] args = {
        RedisBroker.bytes(Epochs.next()),
        RedisBroker.bytes(broker.historyMaxEvents),
        RedisBroker.bytes(broker.keyTtlMillis),
        RedisBroker.bytes(k.epoch()),
        RedisBroker.bytes(k.last()),
        RedisBroker.bytes(System.currentTimeMillis()),
        pack(batch),
        RedisBroker.bytes(batch.size())};
    RedisBroker.eval(connection, Scripts.PUBLISH_SHA, Scripts.PUBLISH, q.keys, args).whenComplete((out, error) -> {
      if (error != null) {
        broker.nodes.failed(nc.node(), connection, error);
        if (RedisNodes.redirected(error) && System.nanoTime() - deadline < 0) {
          CompletableFuture.delayedExecutor(REDIRECT_RETRY_MILLIS, TimeUnit.MILLISECONDS)
              .execute(() -> send(q, batch, deadline));
        } else {
          failed(q, batch, error, sent(error));
        }
        return;
      }
      String epoch = new String((byte[]) out.get(0), StandardCharsets.UTF_8);
      long first = (Long) out.get(1);
      long last = first + batch.size() - 1;
      if (broker.waitReplicas == 0) {
        broker.known.saw(q.topic, epoch, last);
      }
      synchronized (q) {
        q.mark(epoch, last, System.currentTimeMillis(), markEveryMillis);
      }
      if (broker.nodes instanceof ClusterNodes cluster) {
        ringBell(cluster, nc);
      }
      flush(q); // the next batch goes out before this one's acknowledgements run
      if (broker.waitReplicas == 0) {
        acknowledge(q, batch, epoch, first);
      } else {
        replicaWaits.computeIfAbsent(connection, c -> new ReplicaWait(nc))
            .add(new Stored(q, batch, epoch, first));
      }
    });
  }

  /**
   * The batch's events as one stream entry's value: each body prefixed by its length (a protobuf varint), in
   * batch order. The one copy of the bodies the batch costs; Lettuce writes the array as it is.
   */
  private static byte[] pack(List<Pending> batch) {
    int size = 0;
    for (Pending p : batch) {
      size += CodedOutputStream.computeUInt32SizeNoTag(p.body.length) + p.body.length;
    }
    byte[] packed = new byte[size];
    CodedOutputStream out = CodedOutputStream.newInstance(packed);
    try {
      for (Pending p : batch) {
        out.writeUInt32NoTag(p.body.length);
        out.writeRawBytes(p.body);
      }
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("the packed batch was sized wrongly", e);
    }
    return packed;
  }

  /** Wakes the readers of every instance blocked on the node's bell (Redis Cluster: see {@link TopicReader}). */
  private void ringBell(ClusterNodes cluster, RedisNodes.NodeConnection nc) {
    try {
      nc.connection().async().xadd(cluster.bellKey(broker.keyPrefix, nc.node()), BELL_ARGS, BELL_BODY);
    } catch (RuntimeException e) {
      // no topology (just lost): the readers wake within one BLOCK anyway
    }
  }

  private void acknowledge(TopicQueue q, List<Pending> batch, String epoch, long first) {
    for (int i = 0; i < batch.size(); i++) {
      finish(batch.get(i), new Published(q.topic, first + i, epoch), null);
    }
  }

  /** A batch the master stored, waiting for its replicas. */
  private record Stored(TopicQueue q, List<Pending> batch, String epoch, long first) {}

  /**
   * The WAITs of one command connection: one in flight at a time, covering every batch stored on that connection
   * before it was sent; batches stored meanwhile wait for the next one. So a node costs one WAIT per round trip,
   * not one per batch or event. WAIT counts the writes of the connection it is sent on, which is why batches are
   * grouped by connection, not by node. The monitor guards the fields.
   */
  private final class ReplicaWait {
    private final RedisNodes.NodeConnection nc;
    private List<Stored> next = new ArrayList<>();
    private boolean inFlight;

    ReplicaWait(RedisNodes.NodeConnection nc) {
      this.nc = nc;
    }

    void add(Stored stored) {
      synchronized (this) {
        next.add(stored);
        if (inFlight) {
          return;
        }
        inFlight = true;
      }
      sendNext();
    }

    private void sendNext() {
      List<Stored> covered;
      synchronized (this) {
        if (next.isEmpty()) {
          inFlight = false;
          replicaWaits.remove(nc.connection(), this);
          return;
        }
        covered = next;
        next = new ArrayList<>();
      }
      nc.connection().async().waitForReplication(broker.waitReplicas, broker.waitTimeoutMillis)
          .whenComplete((replicas, error) -> {
            for (Stored s : covered) {
              if (error == null && replicas >= broker.waitReplicas) {
                broker.known.saw(s.q.topic, s.epoch, s.first + s.batch.size() - 1);
                acknowledge(s.q, s.batch, s.epoch, s.first);
              } else {
                Status status = error != null
                    ? unconfirmed(s.q.topic, error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error)
                    : replicationUnconfirmed(s, replicas);
                for (Pending p : s.batch) {
                  finish(p, null, status);
                }
              }
            }
            if (error != null) {
              broker.nodes.failed(nc.node(), nc.connection(), error);
            }
            sendNext();
          });
    }

    private Status replicationUnconfirmed(Stored s, long replicas) {
      long last = s.first + s.batch.size() - 1;
      return ErrorDetails.withReason(
          Status.UNAVAILABLE.withDescription(broker.where + " stored the event (topic '" + s.q.topic + "' epoch "
              + s.epoch + " offsets " + s.first + ".." + last + ") on master " + nc.node() + ", but only " + replicas
              + " of the " + broker.waitReplicas + " replica(s) required by --redis-wait-replicas confirmed it within "
              + broker.waitTimeoutMillis + " ms (Redis WAIT); a failover may lose it, so it was not acknowledged"),
          ErrorReason.REPLICATION_UNCONFIRMED,
          Map.of("topic", s.q.topic, "replicas", Long.toString(replicas),
              "required", Integer.toString(broker.waitReplicas), "node", nc.node()));
    }
  }

  /** Fails {@code batch} and everything queued behind it; publishes arriving meanwhile fail too. */
  private void failed(TopicQueue q, List<Pending> batch, Throwable error, boolean sent) {
    List<Pending> behind;
    synchronized (q) {
      q.failing = true;
      behind = new ArrayList<>(q.pending);
      q.pending.clear();
    }
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    Status status = sent ? unconfirmed(q.topic, cause) : notStored(q.topic, String.valueOf(cause.getMessage()));
    log.debug("publishing {} event(s) to topic '{}' failed ({} queued behind)", batch.size(), q.topic,
        behind.size(), cause);
    for (Pending p : batch) {
      finish(p, null, status);
    }
    Status notSent = notStored(q.topic, "an earlier publish to topic '" + q.topic + "' failed: " + cause.getMessage());
    for (Pending p : behind) {
      finish(p, null, notSent);
    }
    synchronized (q) {
      q.failing = false;
      q.sending = false;
    }
  }

  private void finish(Pending p, Published published, Status failure) {
    queuedBytes.addAndGet(-p.body.length);
    if (failure == null) {
      p.result.complete(published);
    } else {
      p.result.completeExceptionally(failure.asException(ErrorDetails.trailers(failure)));
    }
  }

  /**
   * Trims, in every topic this instance published to, the events stored before {@code cutoffMillis}, and forgets
   * topics with nothing queued and no mark left. Called periodically from the broker's timer thread.
   */
  void trimByAge(long cutoffMillis) {
    for (TopicQueue q : queues.values()) {
      byte[][] args;
      long trimmedBy;
      synchronized (q) {
        long[] newestOld = null;
        for (long[] mark : q.marks) {
          if (mark[1] > cutoffMillis) {
            break;
          }
          newestOld = mark;
        }
        if (newestOld == null) {
          if (q.marks.isEmpty() && q.pending.isEmpty() && !q.sending) {
            q.retired = true;
            queues.remove(q.topic, q);
          }
          continue;
        }
        trimmedBy = newestOld[1];
        args = new byte[][] {RedisBroker.bytes(q.markEpoch), RedisBroker.bytes(newestOld[0] + 1)};
      }
      // One single-slot script per topic; Lettuce pipelines them on the command connection.
      broker.nodes.commandsFor(q.keys[0])
          .thenCompose(nc -> RedisBroker.eval(nc.connection(), Scripts.TRIM_SHA, Scripts.TRIM, q.keys, args))
          .whenComplete((out, error) -> {
            if (error != null) {
              log.debug("trimming topic '{}' by age failed; the next round tries again", q.topic, error);
              return;
            }
            synchronized (q) {
              q.marks.removeIf(m -> m[1] <= trimmedBy);
            }
          });
    }
  }

  /** Whether a failed command may have reached Redis (so the script may have run). */
  private static boolean sent(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return !(cause instanceof RedisException && !(cause instanceof RedisCommandTimeoutException)
        && String.valueOf(cause.getMessage()).startsWith("Currently not connected"));
  }

  private Status notStored(String topic, String why) {
    return ErrorDetails.withReason(
        Status.UNAVAILABLE.withDescription(broker.where + " did not store the event: " + why
            + " (the event was not stored)"),
        ErrorReason.BROKER_UNAVAILABLE, Map.of("topic", topic));
  }

  private Status unconfirmed(String topic, Throwable cause) {
    String what = cause instanceof RedisCommandTimeoutException
        ? "no answer from " + broker.where + " within " + broker.commandTimeout.toMillis() + " ms"
        : broker.where + " failed while storing the event: " + cause.getMessage();
    return ErrorDetails.withReason(
        Status.UNAVAILABLE.withDescription(what + "; the event may have been stored").withCause(cause),
        ErrorReason.PUBLISH_UNCONFIRMED, Map.of("topic", topic));
  }
}
