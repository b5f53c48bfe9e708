package io.streamkit.server.internal.rpc;

import io.streamkit.server.broker.Broker;
import io.streamkit.server.broker.BrokerSubscription;
import io.streamkit.server.broker.EventSink;
import io.streamkit.server.broker.Position;
import java.util.Arrays;

/**
 * One stream's broker subscriptions, at most one per topic: those of a Subscribe call, and the topics a handler
 * attached to a Chat stream ({@code StreamContext.attach}). The stream resumes them all when its transport is
 * ready again ({@link #resumeAll()}) and cancels them all when it ended ({@link #endAll()}); after that, an
 * attach subscribes to nothing.
 *
 * <p>Concurrency: the attachments are a copy-on-write array, replaced under the monitor and read without it, so
 * {@link #resumeAll()} (every onReady) neither locks nor copies. {@link Broker#subscribe} is called outside the
 * monitor, because a broker may deliver history from inside it; the topic is reserved first, so a concurrent
 * attach of the same topic does nothing, and a detach or the end that comes while it subscribes cancels the new
 * subscription as soon as it exists. Every method may be called from any thread.
 */
public final class TopicAttachments {
  private static final Attachment[] NONE = new Attachment[0];

  private final Broker broker;
  /** Replaced under the monitor; read without it. */
  private volatile Attachment[] attached = NONE;
  /** Guarded by this. */
  private boolean ended;
  /**
   * Counts {@link #resumeAll()} calls, so that an attach can tell whether one ran while its subscription was not
   * yet installed (and missed it). Written only by the stream's transport callbacks, which are serialized.
   */
  private volatile int resumes;

  /** One topic: its subscription, null while {@link Broker#subscribe} runs. */
  private static final class Attachment {
    final String topic;
    volatile BrokerSubscription subscription;

    Attachment(String topic) {
      this.topic = topic;
    }
  }

  public TopicAttachments(Broker broker) {
    this.broker = broker;
  }

  /**
   * Subscribes {@code sink} to {@code topic} from {@code position}, unless the topic is attached already or the
   * stream ended. Returns whether it subscribed.
   *
   * @throws IllegalArgumentException from the broker, for a topic name it rejects
   */
  public boolean attach(String topic, Position position, EventSink sink) {
    Attachment attachment = new Attachment(topic);
    synchronized (this) {
      if (ended || indexOf(attached, topic) >= 0) {
        return false;
      }
      attached = with(attached, attachment);
    }
    int resumesBefore = resumes;
    BrokerSubscription subscription;
    try {
      subscription = broker.subscribe(topic, position, sink);
    } catch (RuntimeException e) {
      remove(attachment);
      throw e;
    }
    synchronized (this) {
      if (!ended && indexOf(attached, attachment) >= 0) {
        attachment.subscription = subscription;
        subscription = null;
      }
    }
    if (subscription != null) {
      subscription.cancel(); // detached or ended while subscribing
      return false;
    }
    if (resumes != resumesBefore) {
      attachment.subscription.resume(); // the transport became ready while we subscribed: do not miss it
    }
    return true;
  }

  /** Cancels {@code topic}'s subscription. Returns whether it was attached. */
  public boolean detach(String topic) {
    Attachment removed;
    synchronized (this) {
      int i = indexOf(attached, topic);
      if (i < 0) {
        return false;
      }
      removed = attached[i];
      attached = without(attached, i);
    }
    BrokerSubscription s = removed.subscription;
    if (s != null) {
      s.cancel(); // else attach cancels it once subscribe returns
    }
    return true;
  }

  /** The stream's transport is ready again: every subscription delivers what it held back. */
  public void resumeAll() {
    resumes++;
    for (Attachment a : attached) {
      BrokerSubscription s = a.subscription;
      if (s != null) {
        s.resume();
      }
    }
  }

  /** The stream ended: cancels every subscription; later attaches do nothing. Idempotent. */
  public void endAll() {
    Attachment[] all;
    synchronized (this) {
      ended = true;
      all = attached;
      attached = NONE;
    }
    for (Attachment a : all) {
      BrokerSubscription s = a.subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }

  /** How many topics are attached now. */
  public int size() {
    return attached.length;
  }

  private synchronized void remove(Attachment attachment) {
    int i = indexOf(attached, attachment);
    if (i >= 0) {
      attached = without(attached, i);
    }
  }

  private static int indexOf(Attachment[] all, String topic) {
    for (int i = 0; i < all.length; i++) {
      if (all[i].topic.equals(topic)) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(Attachment[] all, Attachment attachment) {
    for (int i = 0; i < all.length; i++) {
      if (all[i] == attachment) {
        return i;
      }
    }
    return -1;
  }

  private static Attachment[] with(Attachment[] all, Attachment more) {
    Attachment[] out = Arrays.copyOf(all, all.length + 1);
    out[all.length] = more;
    return out;
  }

  private static Attachment[] without(Attachment[] all, int i) {
    Attachment[] out = new Attachment[all.length - 1];
    System.arraycopy(all, 0, out, 0, i);
    System.arraycopy(all, i + 1, out, i, all.length - i - 1);
    return out;
  }
}
