package io.streamkit.server.broker;

/**
 * Where a subscription starts in a topic.
 *
 * <ul>
 *   <li>{@link #live()}: only events published after the subscription is registered.</li>
 *   <li>{@link #after(long, String) after(0, "")}: everything retained.</li>
 *   <li>{@link #after(long, String) after(N, epoch)}: events after offset N. If N is older than the retained
 *       history, delivery starts at the oldest retained event (the offset jump shows the gap). If {@code epoch}
 *       is non-empty and is not the topic's, or N is above the topic's last offset (its history rolled back),
 *       continuity is lost and delivery starts at the oldest retained event of the current epoch.</li>
 * </ul>
 *
 * @param afterOffset the offset after which to start, or -1 for live only
 * @param epoch the epoch {@code afterOffset} belongs to; empty when unknown
 */
public record Position(long afterOffset, String epoch) {
  private static final Position LIVE = new Position(-1, "");

  public Position {
    if (afterOffset < -1) {
      throw new IllegalArgumentException("afterOffset: " + afterOffset + " (expected: >= 0, or -1 for live)");
    }
    if (epoch == null) {
      throw new IllegalArgumentException("epoch: null (expected: a string, empty when unknown)");
    }
  }

  public static Position live() {
    return LIVE;
  }

  public static Position after(long offset, String epoch) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
    }
    return new Position(offset, epoch);
  }

  public boolean isLive() {
    return afterOffset < 0;
  }
}
