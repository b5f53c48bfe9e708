package io.streamkit.server.internal.web;

/**
 * A minimal JSON writer for the few objects this package writes itself (error bodies, end-of-stream messages, SSE
 * gap and reset notices, the console's status); protobuf messages go through JsonFormat instead. Not thread-safe:
 * one per document.
 */
final class Json {
  private final StringBuilder out = new StringBuilder(128);
  /** Whether the next value or key in the current object or array needs a comma before it. */
  private boolean comma;

  Json begin() {
    separate();
    out.append('{');
    comma = false;
    return this;
  }

  Json end() {
    out.append('}');
    comma = true;
    return this;
  }

  Json beginArray() {
    separate();
    out.append('[');
    comma = false;
    return this;
  }

  Json endArray() {
    out.append(']');
    comma = true;
    return this;
  }

  Json key(String name) {
    separate();
    string(name);
    out.append(':');
    comma = false;
    return this;
  }

  Json value(String value) {
    separate();
    if (value == null) {
      out.append("null");
    } else {
      string(value);
    }
    comma = true;
    return this;
  }

  Json value(long value) {
    separate();
    out.append(value);
    comma = true;
    return this;
  }

  Json value(double value) {
    separate();
    out.append(Double.isFinite(value) ? Double.toString(value) : "null");
    comma = true;
    return this;
  }

  Json value(boolean value) {
    separate();
    out.append(value);
    comma = true;
    return this;
  }

  /** A value already written as JSON (a protobuf message from JsonFormat). */
  Json raw(String json) {
    separate();
    out.append(json);
    comma = true;
    return this;
  }

  Json field(String name, String value) {
    return key(name).value(value);
  }

  Json field(String name, long value) {
    return key(name).value(value);
  }

  private void separate() {
    if (comma) {
      out.append(',');
    }
  }

  private void string(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          // Below 0x20 must be escaped; U+2028/9 too, so the text is also safe inside a <script>.
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
