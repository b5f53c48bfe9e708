package io.streamkit.server.internal.rpc;

import com.google.protobuf.MessageLite;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.streamkit.server.ErrorDetails;
import java.util.ArrayDeque;

/**
 * The outbound side of one server stream: every interaction with the {@link ServerCall} (send, request, close)
 * goes through here, because a ServerCall is not thread-safe.
 *
 * <p>Concurrency: one monitor ({@code this}) guards the call, the deque and the counters. Sends may come from
 * any thread (transport event loop, blocking executor, a handler's own threads); the transport's onReady
 * callback drains under the same monitor. Nothing under the monitor blocks: {@code ServerCall.sendMessage}
 * only hands the message to Netty's write queue. In the common case (deque empty, transport ready) a send
 * is written straight through with no queueing.
 *
 * <p>Overflow: a message that cannot be written because the transport is not ready is kept in the deque, whose
 * serialized size is bounded by {@code maxQueuedBytes}. A send that would exceed the bound ends the stream with
 * RESOURCE_EXHAUSTED naming the limit, drops the deque and refuses every later send. While anything is queued,
 * inbound credits (request(1) after a message was handled) are held back and returned once the deque drained,
 * so a client that does not read stops its own sender through HTTP/2 flow control instead of filling memory.
 *
 * <p>Closing: an orderly close (OK, or a status chosen by a handler) is written after the queued messages; a
 * terminal condition reported by the transport (cancel) or an overflow drops them.
 */
final class OutboundQueue<RespT extends MessageLite> {

  /** What the queue tells its owner when the stream reaches a terminal state it initiated. */
  interface TerminationListener {
    void terminated(Status status);
  }

  private final ServerCall<?, RespT> call;
  private final long maxQueuedBytes;
  private final String streamId;
  private final StreamRegistry registry;
  private final TerminationListener listener;

  private final ArrayDeque<RespT> deque = new ArrayDeque<>();
  private long queuedBytes;
  private int heldCredits;
  /** Set once the stream may take no more sends; the first status wins. */
  private Status terminal;
  /** Set when a close was requested while messages were still queued. */
  private Status pendingClose;
  private boolean callClosed;
  /** Response headers go out with the first message (see {@link #start}). */
  private boolean headersSent;

  OutboundQueue(
      ServerCall<?, RespT> call,
      long maxQueuedBytes,
      String streamId,
      StreamRegistry registry,
      TerminationListener listener) {
    this.call = call;
    this.maxQueuedBytes = maxQueuedBytes;
    this.streamId = streamId;
    this.registry = registry;
    this.listener = listener;
  }

  /**
   * Writes or queues {@code message}. Returns false if the stream no longer takes sends (including when this
   * very send overflowed the bound and ended the stream).
   */
  boolean send(RespT message) {
    Status overflow;
    synchronized (this) {
      if (terminal != null) {
        return false;
      }
      if (deque.isEmpty() && call.isReady()) {
        if (!headersSent) {
          headersSent = true;
          call.sendHeaders(new Metadata());
        }
        call.sendMessage(message);
        return true;
      }
      int size = message.getSerializedSize();
      if (queuedBytes + size <= maxQueuedBytes) {
        deque.addLast(message);
        queuedBytes += size;
        registry.queued(size, queuedBytes);
        return true;
      }
      overflow =
          Status.RESOURCE_EXHAUSTED.withDescription(
              "outbound buffer of stream "
                  + streamId
                  + " is full: "
                  + queuedBytes
                  + " bytes queued, "
                  + size
                  + " more would exceed maxQueuedBytesPerStream="
                  + maxQueuedBytes
                  + "; the client is not reading fast enough");
      terminateLocked(overflow, true);
    }
    listener.terminated(overflow);
    return false;
  }

  /** Transport callback: the call can take more messages. onReady may fire spuriously; we re-check isReady. */
  void onReady() {
    synchronized (this) {
      drainLocked();
    }
  }

  /** Returns one inbound credit: request(1) now, or once the queued outbound messages have drained. */
  void returnInboundCredit() {
    synchronized (this) {
      if (callClosed) {
        return;
      }
      if (deque.isEmpty()) {
        call.request(1);
      } else {
        heldCredits++;
      }
    }
  }

  /**
   * Starts the stream: requests the first {@code window} inbound messages. Response headers go out with the
   * first reply, not before: until then a failure grpc-java detects itself (an inbound message over the size
   * limit) can still reach the client as a status with a message (a trailers-only response) instead of a bare
   * RST_STREAM CANCEL, which is all HTTP/2 allows once headers were sent.
   */
  void start(int window) {
    synchronized (this) {
      if (!callClosed) {
        call.request(window);
      }
    }
  }

  /**
   * Orderly close: refuses further sends, writes what is queued, then closes the call with {@code status}.
   * Returns false if the stream had already reached a terminal state (the first close wins).
   */
  boolean close(Status status) {
    synchronized (this) {
      if (terminal != null) {
        return false;
      }
      terminal = status;
      pendingClose = status;
      drainLocked();
    }
    listener.terminated(status);
    return true;
  }

  /** Immediate close: drops what is queued. Used for overflow and shutdown. Returns false if already terminal. */
  boolean abort(Status status) {
    synchronized (this) {
      if (terminal != null && callClosed) {
        return false;
      }
      terminateLocked(status, true);
    }
    listener.terminated(status);
    return true;
  }

  /**
   * The transport ended the call (client cancel, deadline, connection loss): nothing may be written any more.
   * Returns the terminal status to report, which is {@code status} unless the server had already ended it.
   */
  Status transportTerminated(Status status) {
    synchronized (this) {
      callClosed = true;
      dropQueueLocked();
      if (terminal == null) {
        terminal = status;
      }
      return terminal;
    }
  }

  /** Whether a pushed message would be written straight through now (nothing queued, transport ready). */
  synchronized boolean readyForPush() {
    return terminal == null && deque.isEmpty() && !callClosed && call.isReady();
  }

  synchronized Status terminalStatus() {
    return terminal;
  }

  synchronized long queuedBytes() {
    return queuedBytes;
  }

  private void drainLocked() {
    while (!deque.isEmpty() && !callClosed && call.isReady()) {
      RespT message = deque.pollFirst();
      int size = message.getSerializedSize();
      queuedBytes -= size;
      registry.dequeued(size);
      if (!headersSent) {
        headersSent = true;
        call.sendHeaders(new Metadata());
      }
      call.sendMessage(message);
    }
    if (!deque.isEmpty() || callClosed) {
      return;
    }
    if (pendingClose != null) {
      Status status = pendingClose;
      pendingClose = null;
      closeCallLocked(status);
    } else if (heldCredits > 0 && terminal == null) {
      int credits = heldCredits;
      heldCredits = 0;
      call.request(credits);
    }
  }

  private void terminateLocked(Status status, boolean dropQueued) {
    if (terminal == null) {
      terminal = status;
    }
    pendingClose = null;
    if (dropQueued) {
      dropQueueLocked();
    }
    closeCallLocked(terminal);
  }

  private void closeCallLocked(Status status) {
    if (callClosed) {
      return;
    }
    callClosed = true;
    call.close(status, ErrorDetails.trailers(status));
  }

  private void dropQueueLocked() {
    if (queuedBytes > 0) {
      registry.dequeued(queuedBytes);
    }
    deque.clear();
    queuedBytes = 0;
    heldCredits = 0;
  }
}
