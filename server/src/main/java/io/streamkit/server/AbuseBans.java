package io.streamkit.server;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IP addresses whose new connections the server refuses for a while, because it recently cut one of their
 * connections off for abuse ({@link ConnectionSettings.Builder#abuseBan}). Off (refuses nothing) when the ban
 * is zero.
 *
 * <p>An entry lives as long as its ban; expired entries are dropped when looked up, and all of them whenever the
 * table passes {@value #PRUNE_ABOVE} entries, so many offending addresses cost memory only while banned.
 * Thread-safe: offences are reported from the event loops, look-ups come from the acceptor thread.
 */
final class AbuseBans {
  private static final Logger log = LoggerFactory.getLogger(AbuseBans.class);
  private static final int PRUNE_ABOVE = 10_000;

  private final long banNanos;
  /** Address to the {@link System#nanoTime()} its ban ends. */
  private final ConcurrentHashMap<InetAddress, Long> bannedUntil = new ConcurrentHashMap<>();

  AbuseBans(Duration ban) {
    this.banNanos = ban.toNanos();
  }

  /** Whether a connection just accepted from {@code remote} is to be closed at once. */
  boolean refuses(SocketAddress remote) {
    InetAddress address = address(remote);
    if (banNanos == 0 || address == null) {
      return false;
    }
    Long until = bannedUntil.get(address);
    if (until == null) {
      return false;
    }
    if (System.nanoTime() - until >= 0) {
      bannedUntil.remove(address, until);
      return false;
    }
    return true;
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
