package io.streamkit.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run's figures: named numbers in a fixed order, with the unit in the name ({@code msgs_per_s}, {@code p50_us}).
 * Printed as a table for people and as flat JSON for the runner. Thread-compatible.
 */
final class Result {
  private static final Pattern ENTRY = Pattern.compile("\"([^\"]+)\"\\s*:\\s*(-?[0-9.eE+-]+|\"[^\"]*\")");

  final String scenario;
  final Map<String, Double> figures = new LinkedHashMap<>();
  final Map<String, String> notes = new LinkedHashMap<>();

  Result(String scenario) {
    this.scenario = scenario;
  }

  Result put(String name, double value) {
    figures.put(name, value);
    return this;
  }

  Result note(String name, String value) {
    notes.put(name, value);
    return this;
  }

  double get(String name) {
    Double v = figures.get(name);
    if (v == null) {
      throw new IllegalStateException("no figure '" + name + "' in the " + scenario + " result " + figures.keySet());
    }
    return v;
  }

  String toJson() {
    StringBuilder b = new StringBuilder("{\"scenario\": \"").append(scenario).append('"');
    notes.forEach((k, v) -> b.append(", \"").append(k).append("\": \"").append(v.replace("\"", "'")).append('"'));
    figures.forEach((k, v) -> b.append(", \"").append(k).append("\": ").append(format(v)));
    return b.append('}').toString();
  }

  /** Reads what {@link #toJson()} wrote (a flat object of strings and numbers). */
  static Result fromJson(String json) {
    Result r = null;
    Matcher m = ENTRY.matcher(json);
    Map<String, String> notes = new LinkedHashMap<>();
    Map<String, Double> figures = new LinkedHashMap<>();
    while (m.find()) {
      String v = m.group(2);
      if (v.startsWith("\"")) {
        notes.put(m.group(1), v.substring(1, v.length() - 1));
      } else {
        figures.put(m.group(1), Double.parseDouble(v));
      }
    }
    r = new Result(notes.remove("scenario"));
    r.notes.putAll(notes);
    r.figures.putAll(figures);
    return r;
  }

  String toTable() {
    StringBuilder b = new StringBuilder(scenario).append('\n');
    notes.forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %-28s %s%n", k, v)));
    figures.forEach((k, v) -> b.append(String.format(Locale.ROOT, "  %-28s %s%n", k, format(v))));
    return b.toString();
  }

  static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.3f", v);
  }
}
