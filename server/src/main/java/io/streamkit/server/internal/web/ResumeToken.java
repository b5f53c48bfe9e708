package io.streamkit.server.internal.web;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The Server-Sent Events resume token: where a stream stands in every topic it carries, sent as each event's
 * {@code id:}, so that a reconnect (EventSource sends the last one as {@code Last-Event-ID}) resumes each topic right
 * after the last event received.
 *
 * <p>Format (docs/WEB.md): {@code v1.} followed by the unpadded base64url form of UTF-8 text with one line per topic,
 * lines separated by {@code \n}, each {@code topic \t epoch \t offset} (offset in decimal). A topic that has sent
 * nothing on the stream yet has no line. Clients treat the token as opaque.
 *
 * <p>Immutable values; thread-safe.
 */
final class ResumeToken {
  static final String PREFIX = "v1.";

  /** One topic's position: the last event delivered. */
  record Seen(String epoch, long offset) {}

  private ResumeToken() {}

  static String encode(Map<String, Seen> positions) {
    StringBuilder text = new StringBuilder(positions.size() * 48);
    for (Map.Entry<String, Seen> e : positions.entrySet()) {
      if (!text.isEmpty()) {
        text.append('\n');
      }
      text.append(e.getKey()).append('\t').append(e.getValue().epoch()).append('\t').append(e.getValue().offset());
    }
    return PREFIX + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The positions in {@code token}.
   *
   * @param subscribed the topics of the request: a token may only name those
   * @throws IllegalArgumentException with what is wrong, for the client
   */
  static Map<String, Seen> decode(String token, Set<String> subscribed) {
    if (!token.startsWith(PREFIX)) {
      throw new IllegalArgumentException("it does not start with '" + PREFIX + "' (expected: an event id this server "
          + "sent, or 'earliest')");
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(token.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("it is not base64url after '" + PREFIX + "'");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("it is not UTF-8 text once decoded");
    }
    Map<String, Seen> positions = new LinkedHashMap<>();
    if (text.isEmpty()) {
      return positions;
    }
    for (String line : text.split("\n", -1)) {
      String[] fields = line.split("\t", -1);
      if (fields.length != 3) {
        throw new IllegalArgumentException("a line has " + fields.length + " fields (expected: topic, epoch, offset)");
      }
      String topic = fields[0];
      if (!subscribed.contains(topic)) {
        throw new IllegalArgumentException("it names topic '" + topic + "', which this request does not subscribe to"
            + " (expected: the topics of the stream that sent it)");
      }
      long offset;
      try {
        offset = Long.parseLong(fields[2]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("the offset of topic '" + topic + "' is not a number");
      }
      if (offset < 0) {
        throw new IllegalArgumentException("the offset of topic '" + topic + "' is negative");
      }
      if (positions.put(topic, new Seen(fields[1], offset)) != null) {
        throw new IllegalArgumentException("it names topic '" + topic + "' twice");
      }
    }
    return positions;
  }
}
