package io.streamkit.server.broker.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts that keep a topic's offsets contiguous and its epoch honest inside Redis, and the key layout.
 *
 * <p>Layout, per topic T and key prefix P: {@code P:{T}:m}, a hash with {@code epoch} (the topic's current epoch)
 * and {@code last} (its last offset); {@code P:{T}:s}, a stream whose entry IDs are {@code <offset>-0} and whose
 * fields are {@code e} (the epoch), {@code t} (publish time, ms since 1970) and {@code b} (the encoded
 * {@code streamkit.v1.Event} without offset and epoch). Both keys are written by one script, so Redis persists
 * them together, and both expire after the topic's idle time-to-live.
 *
 * <p>Every script touches the two keys of one topic, which share the hash tag {@code {T}}: one hash slot, so a
 * script stays atomic under Redis Cluster too; work on many topics is many pipelined calls.
 *
 * <p>A new history (new epoch, offsets from 1, the old stream deleted) begins when the hash is missing, when
 * the hash counts events but the stream is gone, or when the caller has seen a higher offset of the same epoch
 * than Redis holds (Redis came back from an older snapshot): reusing those offsets would hand subscribers new
 * events under offsets they already have, which they would drop as duplicates.
 */
final class Scripts {
  private Scripts() {}

  /**
   * Shared Lua: begins a new history of the topic where Redis lost part of it (see the class comment), and trims
   * the stream below an offset computed by the caller (no scan: entry IDs are offsets).
   */
  private static final String HELPERS = """
      local function history(meta, stream, knownEpoch, knownLast, candidate)
        local epoch = redis.call('HGET', meta, 'epoch')
        local last = tonumber(redis.call('HGET', meta, 'last') or '0')
        if epoch and ((epoch == knownEpoch and last < knownLast)
            or (last > 0 and redis.call('EXISTS', stream) == 0)) then
          redis.call('DEL', stream)
          return candidate, 0, true
        end
        return epoch, last, false
      end
      local function trimBelow(meta, stream, epoch, minid)
        if minid > 1 and redis.call('HGET', meta, 'epoch') == epoch then
          redis.call('XTRIM', stream, 'MINID', minid .. '-0')
        end
      end
      """;

  /**
   * Group commit: stores a batch of events of one topic at contiguous offsets. KEYS: hash, stream. ARGV: candidate
   * epoch, max events, ttl ms, known epoch, known last offset, now ms, then one body per event (at least one).
   * Returns {epoch, first offset}; the events have offsets first, first + 1, ... in ARGV order.
   */
  static final String PUBLISH = HELPERS + """
      local meta, stream = KEYS[1], KEYS[2]
      local epoch, last, fresh = history(meta, stream, ARGV[4], tonumber(ARGV[5]), ARGV[1])
      if not epoch then
        redis.call('DEL', stream)
        epoch, last = ARGV[1], 0
      end
      local first = last + 1
      local added = redis.pcall('XADD', stream, first .. '-0', 'e', epoch, 't', ARGV[6], 'b', ARGV[7])
      if type(added) == 'table' and added.err then
        -- The stream holds IDs at or above the counter: the two disagree, so begin a new history.
        redis.call('DEL', stream)
        epoch, first = ARGV[1], 1
        redis.call('XADD', stream, '1-0', 'e', epoch, 't', ARGV[6], 'b', ARGV[7])
      end
      for i = 8, #ARGV do
        redis.call('XADD', stream, (first + i - 7) .. '-0', 'e', epoch, 't', ARGV[6], 'b', ARGV[i])
      end
      redis.call('XTRIM', stream, 'MAXLEN', ARGV[2])
      redis.call('HSET', meta, 'epoch', epoch, 'last', first + #ARGV - 7)
      redis.call('PEXPIRE', meta, ARGV[3])
      redis.call('PEXPIRE', stream, ARGV[3])
      return {epoch, first}
      """;

  /**
   * The reader's check of one mirrored topic. KEYS: hash, stream. ARGV: ttl ms, known epoch, known last offset,
   * candidate epoch, the epoch to trim and the offset to trim below (0: none). Begins a new history where Redis lost
   * part of the known one, trims, refreshes the time-to-live if the topic exists, and returns {epoch or '', last
   * offset, oldest retained offset or 0}.
   */
  static final String CHECK = HELPERS + """
      local meta, stream = KEYS[1], KEYS[2]
      local epoch, last, fresh = history(meta, stream, ARGV[2], tonumber(ARGV[3]), ARGV[4])
      if fresh then
        redis.call('HSET', meta, 'epoch', epoch, 'last', 0)
      end
      local oldest = 0
      if epoch then
        trimBelow(meta, stream, ARGV[5], tonumber(ARGV[6]))
        redis.call('PEXPIRE', meta, ARGV[1])
        redis.call('PEXPIRE', stream, ARGV[1])
        local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
        if #first > 0 then oldest = tonumber(string.match(first[1][1], '^(%d+)')) end
      end
      return {epoch or '', last, oldest}
      """;

  /**
   * Age trimming of one topic this instance published to. KEYS: hash, stream. ARGV: the epoch and the offset below
   * which every event is older than the maximum age. Returns {1}.
   */
  static final String TRIM = HELPERS + """
      trimBelow(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]))
      return {1}
      """;

  static final String PUBLISH_SHA = sha1(PUBLISH);
  static final String CHECK_SHA = sha1(CHECK);
  static final String TRIM_SHA = sha1(TRIM);

  static byte[] hashKey(String prefix, String topic) {
    return (prefix + ":{" + topic + "}:m").getBytes(StandardCharsets.UTF_8);
  }

  static byte[] streamKey(String prefix, String topic) {
    return (prefix + ":{" + topic + "}:s").getBytes(StandardCharsets.UTF_8);
  }

  private static String sha1(String script) {
    try {
      return HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every Java platform", e);
    }
  }
}
