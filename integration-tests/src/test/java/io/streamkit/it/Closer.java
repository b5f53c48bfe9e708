package io.streamkit.it;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Closes what a test opened (servers, clients, proxies), last opened first, after each test; a JUnit extension:
 * {@code @RegisterExtension final Closer closer = new Closer();} then {@code closer.add(StreamKitServer...)}.
 * Thread-compatible: one test thread adds.
 */
final class Closer implements AfterEachCallback {
  private final List<AutoCloseable> opened = new ArrayList<>();

  /** Closes {@code c} after the test; returns it. */
  <T extends AutoCloseable> T add(T c) {
    opened.add(c);
    return c;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Exception first = null;
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    opened.clear();
    if (first != null) {
      throw first;
    }
  }
}
