package io.streamkit.server.broker.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts that keep a topic's offsets contiguous and its epoch honest inside Redis, and the key layout.
 *
 * <p>Layout, per topic T and key prefix P: {@code P:{T}:m}, a hash with {@code epoch} (the topic's current epoch),
 * {@code last} (its last offset) and {@code oldest} (its oldest retained offset; above {@code last} when nothing
 * is); {@code P:{T}:s}, a stream with one entry per stored batch (group commit), whose ID is {@code <the batch's
 * last offset>-0} and whose fields are {@code e} (the epoch), {@code t} (publish time, ms since 1970), {@code n}
 * (the number of events) and {@code p} (the events, each an encoded {@code streamkit.v1.Event} without offset and
 * epoch, prefixed by its length as a protobuf varint: the framing of {@code writeDelimitedTo}). The events of an
 * entry have the offsets {@code last - n + 1 .. last}. One entry per batch, not per event, is what lets one Redis
 * take a batch for about the cost of one event: Redis's work per entry (radix-tree node, listpack, ID) dominates
 * its work per byte. Entries written before this layout ({@code b}, one event, ID {@code <offset>-0}) are read
 * as one-event entries.
 *
 * <p>Trimming removes whole entries (XTRIM MINID on the last offsets), so an entry across the trim point stays in
 * the stream while its events below the point are no longer retained: {@code oldest} in the hash is the truth,
 * and readers drop what an entry holds below it. Every trim raises {@code oldest}; nothing else lowers it but a
 * new history.
 *
 * <p>Both keys are written by one script, so Redis persists them together, and both expire after the topic's idle
 * time-to-live. Every script touches the two keys of one topic, which share the hash tag {@code {T}}: one hash slot,
 * so a script stays atomic under Redis Cluster too; work on many topics is many pipelined calls.
 *
 * <p>A new history (new epoch, offsets from 1, the old stream deleted) begins when the hash is missing, when
 * the hash counts events but the stream is gone, when the stream holds offsets above the counter, or when the caller
 * has seen a higher offset of the same epoch than Redis holds (Redis came back from an older snapshot): reusing
 * those offsets would hand subscribers new events under offsets they already have, which they would drop as
 * duplicates.
 */
final class Scripts {
  private Scripts() {}

  /**
   * Shared Lua: begins a new history of the topic where Redis lost part of it (see the class comment), finds the
   * oldest retained offset (the hash's, or for a stream written before the hash kept it, its first entry's), and
   * trims the stream below an offset computed by the caller (no scan: entry IDs are offsets).
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
      local function firstOffset(entry)
        local last = tonumber(string.match(entry[1], '^(%d+)'))
        local fields = entry[2]
        for i = 1, #fields, 2 do
          if fields[i] == 'n' then return last - tonumber(fields[i + 1]) + 1 end
        end
        return last
      end
      local function oldestOf(meta, stream, last)
        local oldest = redis.call('HGET', meta, 'oldest')
        if oldest then return tonumber(oldest) end
        local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
        if #first == 0 then return last + 1 end
        return firstOffset(first[1])
      end
      local function trimBelow(meta, stream, epoch, minid)
        if minid > 1 and redis.call('HGET', meta, 'epoch') == epoch then
          local last = tonumber(redis.call('HGET', meta, 'last') or '0')
          if minid > oldestOf(meta, stream, last) then
            redis.call('XTRIM', stream, 'MINID', minid .. '-0')
            redis.call('HSET', meta, 'oldest', minid)
          end
        end
      end
      """;

  /**
   * Group commit: stores a batch of events of one topic as one stream entry at contiguous offsets. KEYS: hash,
   * stream. ARGV: candidate epoch, max events, ttl ms, known epoch, known last offset, now ms, the packed events
   * (see the class comment), their number (at least one). Returns {epoch, first offset}; the events have offsets
   * first, first + 1, ... in the order they were packed.
   */
  static final String PUBLISH = HELPERS + """
      local meta, stream = KEYS[1], KEYS[2]
      local count = tonumber(ARGV[8])
      local epoch, last, fresh = history(meta, stream, ARGV[4], tonumber(ARGV[5]), ARGV[1])
      if not epoch then
        redis.call('DEL', stream)
        epoch, last, fresh = ARGV[1], 0, true
      end
      local above = last > 0 and ('(' .. last .. '-0') or '-'
      if #redis.call('XRANGE', stream, above, '+', 'COUNT', 1) > 0 then
        -- The stream holds offsets above the counter: the two disagree, so begin a new history.
        redis.call('DEL', stream)
        epoch, last, fresh = ARGV[1], 0, true
      end
      local oldest = 1
      if not fresh then oldest = oldestOf(meta, stream, last) end
      local newLast = last + count
      redis.call('XADD', stream, newLast .. '-0', 'e', epoch, 't', ARGV[6], 'n', ARGV[8], 'p', ARGV[7])
      local keep = newLast - tonumber(ARGV[2]) + 1
      if keep > oldest then
        redis.call('XTRIM', stream, 'MINID', keep .. '-0')
        oldest = keep
      end
      redis.call('HSET', meta, 'epoch', epoch, 'last', newLast, 'oldest', oldest)
      redis.call('PEXPIRE', meta, ARGV[3])
      redis.call('PEXPIRE', stream, ARGV[3])
      return {epoch, last + 1}
      """;

  /**
   * The reader's check of one mirrored topic. KEYS: hash, stream. ARGV: ttl ms, known epoch, known last offset,
   * candidate epoch, the epoch to trim and the offset to trim below (0: none). Begins a new history where Redis lost
   * part of the known one, trims, refreshes the time-to-live if the topic exists, and returns {epoch or '', last
   * offset, oldest retained offset (above last when nothing is)}.
   */
  static final String CHECK = HELPERS + """
      local meta, stream = KEYS[1], KEYS[2]
      local epoch, last, fresh = history(meta, stream, ARGV[2], tonumber(ARGV[3]), ARGV[4])
      if fresh then
        redis.call('HSET', meta, 'epoch', epoch, 'last', 0, 'oldest', 1)
      end
      local oldest = last + 1
      if epoch then
        trimBelow(meta, stream, ARGV[5], tonumber(ARGV[6]))
        redis.call('PEXPIRE', meta, ARGV[1])
        redis.call('PEXPIRE', stream, ARGV[1])
        oldest = oldestOf(meta, stream, last)
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
