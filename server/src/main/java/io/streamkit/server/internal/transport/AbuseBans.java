package io.streamkit.server.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.streamkit.server.ConnectionSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IP addresses whose new connections the server refuses for a while, because it recently cut one of their
 * connections off for abuse ({@link ConnectionSettings.Builder#abuseBan}). Off (refuses nothing) when the ban
 * is zero.
 *
 * <p>A refused connection is held, not closed: it is never registered with an event loop (nothing is read from it
 * and no TLS or HTTP/2 work is done), its receive buffer is shrunk to {@value #HELD_RECEIVE_BUFFER} bytes, and it
 * is closed when the ban ends. Why: a flooder reconnects as soon as it is closed, so closing at once costs an
 * accept, a close and a TCP handshake each time, hundreds of times a second, which showed in other clients' p99
 * latency; a held connection costs nothing until it is closed. At most {@value #MAX_HELD} are held at once;
 * past that, refused connections are closed at once.
 *
 * <p>An entry lives as long as its ban; expired entries are dropped when looked up, and all of them whenever the
 * table passes {@value #PRUNE_ABOVE} entries, so many offending addresses cost memory only while banned.
 * Thread-safe: offences are reported from the event loops, refusals happen on the acceptor thread. {@link #close}
 * closes the held connections; the server calls it when it stops.
 */
final class AbuseBans implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AbuseBans.class);
  private static final int PRUNE_ABOVE = 10_000;
  private static final int MAX_HELD = 64;
  private static final int HELD_RECEIVE_BUFFER = 4096;

  private final long banNanos;
  /** Address to the {@link System#nanoTime()} its ban ends. */
  private final ConcurrentHashMap<InetAddress, Long> bannedUntil = new ConcurrentHashMap<>();
  /** Refused connections not closed yet (accepted, never registered). */
  private final Set<Channel> held = ConcurrentHashMap.newKeySet();

  AbuseBans(Duration ban) {
    this.banNanos = ban.toNanos();
  }

  /**
   * If {@code connection} (just accepted, not registered) comes from a banned address, takes it: holds it until the
   * ban ends (the close is scheduled on {@code acceptor}) or, when too many are held, closes it. True if it did.
   */
  boolean refuse(Channel connection, EventLoop acceptor) {
    InetAddress address = address(connection.remoteAddress());
    if (banNanos == 0 || address == null) {
      return false;
    }
    Long until = bannedUntil.get(address);
    if (until == null) {
      return false;
    }
    long left = until - System.nanoTime();
    if (left <= 0) {
      bannedUntil.remove(address, until);
      return false;
    }
    if (held.size() >= MAX_HELD) {
      connection.unsafe().closeForcibly();
      return true;
    }
    held.add(connection);
    try {
      connection.config().setOption(ChannelOption.SO_RCVBUF, HELD_RECEIVE_BUFFER);
    } catch (RuntimeException e) {
      log.debug("could not shrink the receive buffer of held connection {}", connection, e); // held all the same
    }
    acceptor.schedule(() -> release(connection), left, TimeUnit.NANOSECONDS);
    return true;
  }

  private void release(Channel connection) {
    if (held.remove(connection)) {
      connection.unsafe().closeForcibly();
    }
  }

  /** Closes every held connection. */
  @Override
  public void close() {
    for (Channel connection : held) {
      release(connection);
    }
  }

  /** The server cut {@code connection} off with GOAWAY {@code error}: bans its address, when bans are on. */
  void offended(Channel connection, String error, String debug) {
    InetAddress address = address(connection.remoteAddress());
    if (banNanos == 0 || address == null) {
      return;
    }
    long now = System.nanoTime();
    Long previous = bannedUntil.put(address, now + banNanos);
    if (previous == null || now - previous >= 0) {
      log.warn("refusing new connections from {} for {} ms: the server closed {} with GOAWAY {} ({})",
          address.getHostAddress(), banNanos / 1_000_000, connection, error, debug);
    }
    if (bannedUntil.size() > PRUNE_ABOVE) {
      bannedUntil.values().removeIf(until -> now - until >= 0);
    }
  }

  private static InetAddress address(SocketAddress remote) {
    return remote instanceof InetSocketAddress ? ((InetSocketAddress) remote).getAddress() : null;
  }
}
