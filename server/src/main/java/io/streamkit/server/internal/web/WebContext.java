package io.streamkit.server.internal.web;

import io.streamkit.server.HttpSettings;
import io.streamkit.server.internal.metrics.WebMeters;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every HTTP connection and request of one server shares. Thread-safe: immutable but for the draining flag.
 *
 * @param directory the console's topic view, or null when the console is off
 * @param console the console's files, or null when the console is off
 * @param maxMessageBytes the largest request message (the server's --max-inbound-message-size)
 */
record WebContext(
    HttpSettings settings,
    WebServices services,
    WebMeters meters,
    TopicDirectory directory,
    ConsoleFiles console,
    int maxMessageBytes,
    int maxHeaderBytes,
    AtomicBoolean draining) {

  /** The largest request body read: a message in base64 (gRPC-Web text) with its frame, and some slack. */
  int maxBodyBytes() {
    return (int) Math.min(Integer.MAX_VALUE - 8, (long) maxMessageBytes * 4 / 3 + 1024);
  }
}
