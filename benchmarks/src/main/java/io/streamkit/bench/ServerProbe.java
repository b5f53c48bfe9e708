package io.streamkit.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a local server process's memory from outside: heap after a full GC ({@code jcmd GC.run}, then
 * {@code GC.heap_info}) and resident set size. Stateless.
 */
final class ServerProbe {
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  private ServerProbe() {}

  /** Heap in use after a full GC, in bytes. */
  static long heapAfterGc(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    return usedHeapBytes(info);
  }

  /** The bytes in use that {@code jcmd PID GC.heap_info} printed ({@code used NK}, the first one: the whole heap). */
  static long usedHeapBytes(String heapInfo) throws IOException {
    Matcher m = USED.matcher(heapInfo);
    if (!m.find()) {
      throw new IOException("no 'used NK' in jcmd GC.heap_info output: " + heapInfo);
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  /** Resident set size in bytes (heap, direct buffers, metaspace, stacks). */
  static long rss(long pid) throws IOException {
    return rssBytes(Files.readAllLines(Path.of("/proc/" + pid + "/status")), pid);
  }

  /** The {@code VmRSS: N kB} line of /proc/PID/status, in bytes. */
  static long rssBytes(List<String> statusLines, long pid) throws IOException {
    for (String line : statusLines) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("no VmRSS in /proc/" + pid + "/status");
  }

  /** Linux's USER_HZ: /proc reports CPU time in ticks of 10 ms. */
  static final double MICROS_PER_TICK = 10_000;

  /** User plus system CPU time of the process so far, in ticks; 0 when {@code pid} is 0 or unreadable. */
  static long cpuTicks(long pid) {
    if (pid <= 0) {
      return 0;
    }
    try {
      return cpuTicksOfStat(Files.readString(Path.of("/proc/" + pid + "/stat")));
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** utime plus stime (fields 14 and 15) of a /proc/PID/stat line. */
  static long cpuTicksOfStat(String stat) {
    // Fields after the command name (which is in parentheses and may hold spaces and parentheses): state is field 3.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path jcmd = Path.of(java).resolveSibling("jcmd");
    Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", Long.toString(pid), command)
        .redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("jcmd " + pid + " " + command + " failed: " + out);
    }
    return out;
  }
}
