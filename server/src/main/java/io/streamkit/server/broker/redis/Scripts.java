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
 * <p>A new history (new epoch, offsets from 1, the old stream deleted) begins when the hash is missing, when
 * the hash counts events but the stream is gone, or when the caller has seen a higher offset of the same epoch
 * than Redis holds (Redis came back from an older snapshot): reusing those offsets would hand subscribers new
 * events under offsets they already have, which they would drop as duplicates.
 */
final class Scripts {
  private Scripts() {}

  /** Shared Lua helpers: field lookup in an entry, and trimming by age with XTRIM MINID. */
  private static final String HELPERS = """
      local function field(kv, name)
        for i = 1, #kv, 2 do
          if kv[i] == name then return kv[i + 1] end
        end
        return nil
      end
      local function trimAge(stream, cutoff)
        local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
        if #first == 0 or tonumber(field(first[1][2], 't')) >= cutoff then return end
        local start = '-'
        while true do
          local batch = redis.call('XRANGE', stream, start, '+', 'COUNT', 200)
          if #batch == 0 then
            redis.call('XTRIM', stream, 'MAXLEN', 0)
            return
          end
          for _, entry in ipairs(batch) do
            if tonumber(field(entry[2], 't')) >= cutoff then
              redis.call('XTRIM', stream, 'MINID', entry[1])
              return
            end
          end
          start = '(' .. batch[#batch][1]
        end
      end
      """;

  /**
   * KEYS: hash, stream. ARGV: body, candidate epoch, max events, ttl ms, known epoch, known last offset, now ms,
   * max age ms. Returns {epoch, offset}.
   */
  static final String PUBLISH = HELPERS + """
      local meta, stream = KEYS[1], KEYS[2]
      local epoch = redis.call('HGET', meta, 'epoch')
      local last = tonumber(redis.call('HGET', meta, 'last') or '0')
      if (not epoch) or (last > 0 and redis.call('EXISTS', stream) == 0)
          or (epoch == ARGV[5] and last < tonumber(ARGV[6])) then
        redis.call('DEL', stream)
        epoch = ARGV[2]
        last = 0
      end
      local offset = last + 1
      local added = redis.pcall('XADD', stream, 'MAXLEN', ARGV[3], offset .. '-0',
          'e', epoch, 't', ARGV[7], 'b', ARGV[1])
      if type(added) == 'table' and added.err then
        -- The stream holds IDs at or above the counter: the two disagree, so begin a new history.
        redis.call('DEL', stream)
        epoch = ARGV[2]
        offset = 1
        redis.call('XADD', stream, 'MAXLEN', ARGV[3], '1-0', 'e', epoch, 't', ARGV[7], 'b', ARGV[1])
      end
      redis.call('HSET', meta, 'epoch', epoch, 'last', offset)
      trimAge(stream, tonumber(ARGV[7]) - tonumber(ARGV[8]))
      redis.call('PEXPIRE', meta, ARGV[4])
      redis.call('PEXPIRE', stream, ARGV[4])
      return {epoch, offset}
      """;

  /**
   * KEYS: hash and stream of each topic, in pairs. ARGV: ttl ms, now ms, max age ms, then per topic: known
   * epoch, known last offset, candidate epoch. Trims by age, refreshes the time-to-live of topics that exist,
   * begins a new history where Redis lost part of the known one, and returns per topic {epoch or '', last offset,
   * oldest retained offset or 0}.
   */
  static final String CHECK = HELPERS + """
      local out = {}
      local now, maxAge = tonumber(ARGV[2]), tonumber(ARGV[3])
      for i = 1, #KEYS / 2 do
        local meta, stream = KEYS[2 * i - 1], KEYS[2 * i]
        local knownEpoch, knownLast, candidate = ARGV[3 * i + 1], tonumber(ARGV[3 * i + 2]), ARGV[3 * i + 3]
        local epoch = redis.call('HGET', meta, 'epoch')
        local last = tonumber(redis.call('HGET', meta, 'last') or '0')
        if epoch and ((epoch == knownEpoch and last < knownLast)
            or (last > 0 and redis.call('EXISTS', stream) == 0)) then
          redis.call('DEL', stream)
          epoch = candidate
          last = 0
          redis.call('HSET', meta, 'epoch', epoch, 'last', 0)
        end
        local oldest = 0
        if epoch then
          trimAge(stream, now - maxAge)
          redis.call('PEXPIRE', meta, ARGV[1])
          redis.call('PEXPIRE', stream, ARGV[1])
          local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
          if #first > 0 then oldest = tonumber(string.match(first[1][1], '^(%d+)')) end
        end
        out[#out + 1] = epoch or ''
        out[#out + 1] = last
        out[#out + 1] = oldest
      end
      return out
      """;

  static final String PUBLISH_SHA = sha1(PUBLISH);
  static final String CHECK_SHA = sha1(CHECK);

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
