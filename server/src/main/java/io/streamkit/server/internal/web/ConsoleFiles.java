package io.streamkit.server.internal.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The web console's static files, read once from the server jar ({@code io/streamkit/server/console/}): no build
 * step, nothing from a CDN, so the console works offline. Immutable; thread-safe.
 */
final class ConsoleFiles {
  private static final String ROOT = "io/streamkit/server/console/";
  private static final Map<String, String> FILES = Map.of(
      "/", "index.html",
      "/console/console.js", "console.js",
      "/console/console.css", "console.css");

  /** A file's bytes and content type. */
  record File(byte[] bytes, String contentType) {}

  private final Map<String, File> files;

  ConsoleFiles() {
    java.util.HashMap<String, File> loaded = new java.util.HashMap<>();
    FILES.forEach((path, name) -> loaded.put(path, new File(read(name), contentType(name))));
    files = Map.copyOf(loaded);
  }

  /** The file served at {@code path}, or null. */
  File get(String path) {
    return files.get(path.equals("/index.html") ? "/" : path);
  }

  private static byte[] read(String name) {
    try (InputStream in = ConsoleFiles.class.getClassLoader().getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalStateException("the console file " + ROOT + name + " is missing from the server jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String contentType(String name) {
    if (name.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (name.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    return "text/css; charset=utf-8";
  }
}
