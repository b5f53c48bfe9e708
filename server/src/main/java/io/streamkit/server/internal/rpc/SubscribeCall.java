package io.streamkit.server.internal.rpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.netty.util.internal.ThreadExecutorMap;
import io.streamkit.api.v1.SubscribeRequest;
import io.streamkit.api.v1.TopicSubscription;
import io.streamkit.server.ErrorDetails;
import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import io.streamkit.server.broker.TopicEvent;
import io.streamkit.server.broker.Topics;
import io.streamkit.server.internal.security.CallSecurity;
import io.streamkit.server.security.Principal;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * One Subscribe stream: one broker subscription per requested topic, all writing to the same call.
 *
 * <p>Concurrency: the monitor guards every use of the ServerCall (sends come from publishers' threads and
 * from this stream's event loop). Nothing is queued here: while the call is not ready the broker keeps each
 * subscription's position and resumes on onReady, so a slow subscriber holds no copy of any event.
 */
final class SubscribeCall extends ServerCall.Listener<SubscribeRequest> implements StreamRegistry.Closeable {
  private final ServerCall<SubscribeRequest, TopicEvent> call;
  private final Broker broker;
  private final StreamRegistry registry;
  private final CallSecurity security;
  private final Optional<Principal> principal;
  /**
   * The event loop of this stream's connection: grpc-java (directExecutor) starts the call on it. Null when the
   * call starts elsewhere (another transport); the broker then delivers from the publisher's thread.
   */
  private final Executor eventLoop = ThreadExecutorMap.currentExecutor();
  /**
   * Copy-on-write (replaced under the monitor, read without it): onReady and cancel go through it without a lock
   * or a copy, and a stream subscribes once.
   */
  private volatile BrokerSubscription[] subscriptions = new BrokerSubscription[0];
  private boolean closed;
  private boolean unregistered;

  SubscribeCall(ServerCall<SubscribeRequest, TopicEvent> call, Broker broker, StreamRegistry registry,
      CallSecurity security) {
    this.call = call;
    this.broker = broker;
    this.registry = registry;
    this.security = security;
    this.principal = CallSecurity.currentPrincipal();
  }

  void start() {
    registry.register(this);
    synchronized (this) {
      call.request(1);
    }
  }

  @Override
  public void onMessage(SubscribeRequest request) {
    String problem = validate(request);
    if (problem != null) {
      close(Status.INVALID_ARGUMENT.withDescription(problem));
      return;
    }
    for (TopicSubscription t : request.getTopicsList()) {
      // Every topic before the first broker subscription: a denied request subscribes to nothing.
      Status denied = security.checkSubscribe(principal, t.getTopic());
      if (denied != null) {
        close(denied);
        return;
      }
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      call.sendHeaders(new Metadata());
    }
    for (TopicSubscription t : request.getTopicsList()) {
      Position position =
          t.hasAfterOffset() ? Position.after(t.getAfterOffset(), t.getEpoch()) : Position.live();
      BrokerSubscription subscription = broker.subscribe(t.getTopic(), position, new Sink());
      boolean cancel;
      synchronized (this) {
        cancel = closed;
        if (!cancel) {
          BrokerSubscription[] more = Arrays.copyOf(subscriptions, subscriptions.length + 1);
          more[more.length - 1] = subscription;
          subscriptions = more;
        }
      }
      if (cancel) {
        subscription.cancel();
        return;
      }
    }
  }

  static String validate(SubscribeRequest request) {
    if (request.getTopicsCount() == 0) {
      return "SubscribeRequest.topics is empty (expected: at least one topic)";
    }
    Set<String> seen = new HashSet<>();
    for (TopicSubscription t : request.getTopicsList()) {
      String problem = Topics.problem(t.getTopic());
      if (problem != null) {
        return problem;
      }
      if (!seen.add(t.getTopic())) {
        return "topic '" + t.getTopic() + "' is requested twice (expected: each topic once per request)";
      }
      if (t.hasAfterOffset() && t.getAfterOffset() < 0) {
        return "after_offset of topic '" + t.getTopic() + "' is " + Long.toUnsignedString(t.getAfterOffset())
            + " (expected: below 2^63)";
      }
    }
    return null;
  }

  @Override
  public void onReady() {
    for (BrokerSubscription s : subscriptions) {
      s.resume();
    }
  }

  @Override
  public void onCancel() {
    ended();
  }

  @Override
  public void onComplete() {
    ended();
  }

  @Override
  public void abort(Status status) {
    close(status);
  }

  private void close(Status status) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      call.close(status, ErrorDetails.trailers(status));
    }
    cancelAll();
  }

  private void ended() {
    synchronized (this) {
      closed = true;
      if (unregistered) {
        return;
      }
      unregistered = true;
    }
    cancelAll();
    registry.unregister(this);
  }

  private void cancelAll() {
    for (BrokerSubscription s : subscriptions) {
      s.cancel();
    }
  }

  /** One topic's delivery into the shared call. */
  private final class Sink implements EventSink {
    @Override
    public boolean isReady() {
      synchronized (SubscribeCall.this) {
        return !closed && call.isReady();
      }
    }

    @Override
    public void onEvent(TopicEvent event) {
      synchronized (SubscribeCall.this) {
        if (!closed) {
          call.sendMessage(event);
        }
      }
    }

    /** The readiness check and the send under one acquisition of the stream's monitor. */
    @Override
    public boolean offer(TopicEvent event) {
      synchronized (SubscribeCall.this) {
        if (closed || !call.isReady()) {
          return false;
        }
        call.sendMessage(event);
        return true;
      }
    }

    @Override
    public Executor executor() {
      return eventLoop;
    }

    @Override
    public void onEnd(Status status) {
      close(status);
    }
  }
}
