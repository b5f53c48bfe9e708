package io.streamkit.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * {@code compare}'s progress on a terminal: one bar (me.tongfei:progressbar) over every run of every selected case,
 * labelled with the case and "run i/n server", with the elapsed time and the estimated time left, redrawn every
 * second. Off ({@link #off}) when the output is not a terminal or with {@code --no-progress}: then only the
 * result lines are printed, as before.
 *
 * <p>Result lines go through {@link #println} so that they scroll above the bar instead of through it.
 * Thread-safe: the library redraws from its own thread, the command prints from its own; one lock orders them.
 */
final class Progress implements AutoCloseable {
  /** A step is one load run against one server; before the first one ends its length is guessed. */
  private final Plan plan;
  private final PrintStream out;
  private final ProgressBar bar;
  private final Object lock = new Object();
  /** The bar as last drawn, to redraw it below a printed line; guarded by lock. */
  private String drawn = "";

  private Progress(Plan plan, PrintStream out, boolean show) {
    this.plan = plan;
    this.out = out;
    this.bar = show ? new ProgressBarBuilder()
        .setTaskName("compare")
        .setInitialMax(plan.total)
        .setUnit(" runs", 1)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(1000)
        .continuousUpdate()
        .setMaxRenderedLength(120)
        .setEtaFunction(state -> plan.remaining(Duration.ofNanos(System.nanoTime() - plan.startNanos)))
        .setConsumer(new DelegatingProgressBarConsumer(this::draw, 120))
        .build() : null;
  }

  /** A bar over {@code steps} runs when {@code show}; otherwise plain printing to {@code out}. */
  static Progress start(int steps, Duration guessPerStep, PrintStream out, boolean show) {
    return new Progress(new Plan(steps, guessPerStep, System.nanoTime()), out, show);
  }

  /**
   * Whether to draw a bar: not when asked not to, nor when the output is not a terminal (a file, a pipe, CI's
   * log), where the redraws would be noise.
   */
  static boolean wanted(boolean noProgress, boolean terminal, String term) {
    return !noProgress && terminal && !"dumb".equals(term);
  }

  /** The next run begins: its case, number and server become the label. */
  void begin(String caseName, int run, int runs, String server) {
    plan.begin(caseName, run, runs, server);
    if (bar != null) {
      bar.setExtraMessage(plan.label());
    }
  }

  /** The run that began last is over. */
  void done() {
    plan.done(System.nanoTime());
    if (bar != null) {
      bar.stepTo(plan.done);
    }
  }

  /** {@code steps} runs that will not happen (a case skipped): the total shrinks, and so does the estimate. */
  void skip(int steps) {
    plan.skip(steps);
    if (bar != null) {
      bar.maxHint(plan.total);
    }
  }

  /** Prints one result line above the bar (or plainly, without one). */
  void println(String line) {
    synchronized (lock) {
      if (bar == null || drawn.isEmpty()) {
        out.println(line);
        return;
      }
      // Over the bar's line: the line, padded to the bar's width, then the bar again below it.
      out.print('\r' + line + " ".repeat(Math.max(0, drawn.length() - line.length())) + '\n' + drawn);
      out.flush();
    }
  }

  private void draw(String rendered) {
    synchronized (lock) {
      out.print('\r' + rendered + " ".repeat(Math.max(0, drawn.length() - rendered.length())));
      out.flush();
      drawn = rendered;
    }
  }

  /** Ends the bar, leaving its last state on its own line. */
  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      synchronized (lock) {
        out.println();
      }
    }
  }

  /**
   * The arithmetic behind the bar, apart from any terminal: which run is going on, and how long the rest should
   * take. Confined to the command's thread except {@link #remaining}, which reads volatile fields.
   */
  static final class Plan {
    final long startNanos;
    private final Duration guessPerStep;
    volatile int total;
    volatile int done;
    /** System.nanoTime() when the last run ended (or the start). */
    private volatile long lastDoneNanos;
    private String label = "";

    Plan(int total, Duration guessPerStep, long startNanos) {
      this.total = total;
      this.guessPerStep = guessPerStep;
      this.startNanos = startNanos;
      this.lastDoneNanos = startNanos;
    }

    void begin(String caseName, int run, int runs, String server) {
      label = String.format(Locale.ROOT, "%s run %d/%d %s", caseName, run, runs, server);
    }

    String label() {
      return label;
    }

    void done(long nowNanos) {
      done++;
      lastDoneNanos = nowNanos;
    }

    void skip(int steps) {
      total = Math.max(done, total - steps);
    }

    /**
     * The time left after {@code elapsed}: the runs not finished times the mean length of those finished (the
     * guess before any), less what the current run has already taken; never negative, and zero once all are done.
     */
    Optional<Duration> remaining(Duration elapsed) {
      int finished = done;
      int left = total - finished;
      if (left <= 0) {
        return Optional.of(Duration.ZERO);
      }
      long finishedNanos = lastDoneNanos - startNanos;
      long perStep = finished == 0 ? guessPerStep.toNanos() : finishedNanos / finished;
      long intoCurrent = Math.max(0, elapsed.toNanos() - finishedNanos);
      return Optional.of(Duration.ofNanos(Math.max(0, perStep * left - intoCurrent)));
    }
  }
}
