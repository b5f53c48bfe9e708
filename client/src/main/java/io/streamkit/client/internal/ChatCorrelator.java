package io.streamkit.client.internal;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.client.StreamKitException;
import io.streamkit.client.StreamListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request/reply over one long-lived Chat stream: every request gets a unique id, and the reply whose
 * correlation_id equals it completes that request's future.
 *
 * <p>Why one Chat stream and not the unary {@code Call} RPC: a stream costs one HTTP/2 stream for all calls,
 * where {@code Call} costs HEADERS and trailers per call; the price is that the server handles one client's
 * calls one at a time, in order (a Chat stream's handler order), so a slow handler delays the calls behind it.
 *
 * <p>Threading: futures complete on the reply executor: the stream's callbacks run there, and deadlines hop
 * there from the timer. Never on the application's callback executor, so an application callback may block on a
 * reply without starving it.
 *
 * <p>Concurrency: thread-safe. {@code lock} guards which stream is current; each {@link Session} guards
 * its own table of pending calls. A session is replaced only after it ended, and it fails everything still
 * pending in it when it ends, so no future waits on a stream that is gone.
 *
 * <p>No leaks: a pending call leaves its session's table however its future completes (reply, error
 * reply, deadline, stream failure, cancel by the caller), and its deadline timer is cancelled then too.
 */
public final class ChatCorrelator {
  private static final Logger logger = LoggerFactory.getLogger(ChatCorrelator.class);
  /** How often one call may find its stream ended under it before it fails. */
  private static final int MAX_ATTEMPTS = 3;

  /** The Chat stream calls go over. */
  interface RequestStream {
    /** Sends or queues; throws StreamKitException when the stream ended or its outbound buffer is full. */
    void send(Message request);

    boolean isOpen();

    /** Half-closes: no more requests; the server answers what it has and ends the stream. */
    void closeSend();

    void cancel(Status status);
  }

  /** Opens a stream whose inbound messages and end go to {@code listener}, serialized, on the reply executor. */
  interface StreamOpener {
    RequestStream open(StreamListener<Message> listener);
  }

  private final StreamOpener opener;
  private final Executor replyExecutor;
  private final ScheduledExecutorService timer;
  private final String idPrefix = Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-";
  private final AtomicLong nextId = new AtomicLong();
  private final AtomicLong lateReplies = new AtomicLong();
  private final Object lock = new Object();

  // Guarded by lock.
  private Session current;
  private Status closedWith;

  ChatCorrelator(StreamOpener opener, Executor replyExecutor, ScheduledExecutorService timer) {
    this.opener = opener;
    this.replyExecutor = replyExecutor;
    this.timer = timer;
  }

  /** Request/reply over Chat streams of {@code channel}, whose callbacks and futures run on {@code replyExecutor}. */
  public static ChatCorrelator overChat(Channel channel, Executor replyExecutor, long maxQueuedBytes,
      ScheduledExecutorService timer, OpenCalls openCalls) {
    StreamOpener opener = listener -> {
      CallbackBidiCall<Message, Message> stream = CallbackBidiCall.start(channel, StreamServiceGrpc.getChatMethod(),
          listener, replyExecutor, maxQueuedBytes, openCalls);
      return new RequestStream() {
        @Override
        public void send(Message request) {
          stream.send(request);
        }

        @Override
        public boolean isOpen() {
          return stream.isOpen();
        }

        @Override
        public void closeSend() {
          stream.closeSend();
        }

        @Override
        public void cancel(Status status) {
          stream.cancel(status);
        }
      };
    };
    return new ChatCorrelator(opener, replyExecutor, timer);
  }

  /**
   * Sends a request to {@code route} with a fresh id and returns the future of its reply. Arguments are checked by
   * the caller.
   *
   * @throws IllegalStateException if the correlator was closed
   */
  public ReplyFuture<Message> call(String route, ByteString payload, Map<String, String> headers, Duration timeout) {
    String id = idPrefix + nextId.incrementAndGet();
    Message request = Message.newBuilder()
        .setId(id).setRoute(route).setPayload(payload).putAllHeaders(headers).build();
    ReplyFuture<Message> reply = new ReplyFuture<>();
    Pending pending = new Pending(id, reply);
    Runnable expire = () -> {
      // Forgotten before the caller learns of it: a caller that sees DEADLINE_EXCEEDED sees nothing pending.
      forget(pending);
      reply.completeExceptionally(new StreamKitException(Status.DEADLINE_EXCEEDED.withDescription(
          "no reply to call " + id + " (route '" + route + "') within " + timeout)));
    };
    ScheduledFuture<?> deadline;
    try {
      deadline = timer.schedule(() -> onReplyExecutor(expire), timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      throw closedClient(); // the client closed while this call began
    }
    reply.whenComplete((message, error) -> {
      deadline.cancel(false);
      forget(pending); // e.g. the caller cancelled the future
    });
    try {
      send(request, pending);
    } catch (RuntimeException e) {
      deadline.cancel(false);
      throw e;
    }
    return reply;
  }

  /** Calls sent and not yet answered, on the current stream. */
  public int pendingCount() {
    synchronized (lock) {
      return current == null ? 0 : current.pending.size();
    }
  }

  /** Replies that came for no pending call (after the call's deadline, or after its caller cancelled it). */
  long lateReplies() {
    return lateReplies.get();
  }

  /**
   * Half-closes the current stream if no call is waiting on it, so that a server that is draining (it sent GOAWAY:
   * the connection went IDLE) sees it end now rather than at the end of its grace period; the next call opens a
   * new stream. A stream with calls pending is left alone: their replies may still come.
   */
  public void retireIfIdle() {
    Session session;
    synchronized (lock) {
      session = current;
      if (session == null || !session.retire()) {
        return;
      }
      current = null;
    }
    session.stream.closeSend();
  }

  /** Fails every pending call with {@code status} and ends the stream; later calls throw. */
  public void close(Status status) {
    Session session;
    synchronized (lock) {
      closedWith = status;
      session = current;
      current = null;
    }
    if (session != null) {
      session.end(status, null);
      session.stream.cancel(status);
    }
  }

  private void onReplyExecutor(Runnable task) {
    try {
      replyExecutor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // the client is closing and its reply thread stopped: complete here rather than never
    }
  }

  private void send(Message request, Pending pending) {
    for (int attempt = 1; ; attempt++) {
      Session session = currentSession();
      if (!session.register(pending)) {
        continue; // it ended between the two lines above and is no longer current: take the next one
      }
      try {
        session.stream.send(request);
        return;
      } catch (StreamKitException e) {
        session.pending.remove(pending.id, pending);
        if (session.stream.isOpen() || attempt == MAX_ATTEMPTS) {
          // RESOURCE_EXHAUSTED: the stream is fine, the outbound buffer is full; or out of attempts.
          pending.reply.completeExceptionally(e);
          return;
        }
        // The stream ended before our request went out; the listener may not have run yet. End the
        // session now (idempotent) so the next attempt opens a new stream.
        session.end(e.status(), e.trailers());
      }
    }
  }

  private Session currentSession() {
    synchronized (lock) {
      if (closedWith != null) {
        throw closedClient();
      }
      if (current == null) {
        current = new Session();
        current.stream = opener.open(current);
      }
      return current;
    }
  }

  private static IllegalStateException closedClient() {
    return new IllegalStateException("StreamKitClient is closed; call() needs an open client");
  }

  private static void forget(Pending pending) {
    Session session = pending.session;
    if (session != null) {
      session.pending.remove(pending.id, pending);
    }
  }

  private static final class Pending {
    final String id;
    final CompletableFuture<Message> reply;
    /** The session this call was sent on; set once, before the request is sent. */
    volatile Session session;

    Pending(String id, CompletableFuture<Message> reply) {
      this.id = id;
      this.reply = reply;
    }
  }

  /** One Chat stream and the calls waiting for a reply on it. Its listener callbacks are serialized. */
  private final class Session implements StreamListener<Message> {
    final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    RequestStream stream; // set once, under ChatCorrelator.lock, before first use
    private boolean ended; // guarded by this

    synchronized boolean register(Pending call) {
      if (ended) {
        return false;
      }
      call.session = this;
      pending.put(call.id, call);
      if (call.reply.isDone()) {
        pending.remove(call.id, call); // its deadline passed before it got here: nothing may stay pending
      }
      return true;
    }

    /** Takes this session out of use if nothing is pending on it; false if something is, or it ended. */
    synchronized boolean retire() {
      if (ended || !pending.isEmpty()) {
        return false;
      }
      ended = true; // a call that got this session before it was retired registers elsewhere
      return true;
    }

    /** Idempotent: takes this session out of use and fails what is pending on it. */
    void end(Status status, Metadata trailers) {
      synchronized (lock) {
        if (current == this) {
          current = null;
        }
      }
      List<Pending> failed;
      synchronized (this) {
        if (ended) {
          return;
        }
        ended = true;
        failed = new ArrayList<>(pending.values());
        pending.clear();
      }
      for (Pending call : failed) {
        call.reply.completeExceptionally(new StreamKitException(status, trailers));
      }
    }

    @Override
    public void onMessage(Message reply) {
      Pending call = pending.remove(reply.getCorrelationId());
      if (call == null) {
        lateReplies.incrementAndGet();
        if (reply.getCorrelationId().isEmpty()) {
          // Never an answer to call(), which always sets an id: something sent on this stream without one.
          logger.warn("dropping a reply without correlation_id on the request/reply stream: route '{}', error {}",
              reply.getRoute(), reply.hasError() ? reply.getError() : "none");
        } else {
          // Expected after a deadline or a cancel by the caller: the call was already completed and removed.
          logger.debug("dropping a reply for no pending call: correlation_id '{}' route '{}'",
              reply.getCorrelationId(), reply.getRoute());
        }
        return;
      }
      if (reply.hasError() && reply.getError().getCode() != 0) {
        call.reply.completeExceptionally(StreamKitException.of(reply.getError()));
      } else {
        call.reply.complete(reply);
      }
    }

    @Override
    public void onError(StreamKitException error) {
      end(error.status(), error.trailers());
    }

    @Override
    public void onCompleted() {
      end(Status.UNAVAILABLE.withDescription(
          "the server completed the Chat stream before replying; the next call opens a new stream"), null);
    }
  }
}
