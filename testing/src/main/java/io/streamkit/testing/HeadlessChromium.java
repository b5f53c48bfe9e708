package io.streamkit.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven through its chromedriver (packages {@code chromium} and
 * {@code chromium-driver}), with a fresh profile and nothing that reaches the network by itself (this machine's
 * network is closed: no updates, sync, QUIC or background requests). A test that needs a browser is skipped when they
 * are missing, and fails under CI.
 *
 * <p>Not thread-safe: one test drives it. {@link #close()} quits the browser and deletes the profile.
 */
public final class HeadlessChromium implements AutoCloseable {
  private final ChromeDriver driver;
  private final Path profile;

  private HeadlessChromium(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /** Starts a browser; skips the test (fails it under CI) when chromium or chromedriver is not installed. */
  public static HeadlessChromium start() throws IOException {
    Path chromium = RequiredTool.find("chromium", "apt-get install -y chromium chromium-driver", "/usr/bin/chromium");
    Path chromedriver = RequiredTool.find("chromedriver", "apt-get install -y chromium-driver",
        "/usr/bin/chromedriver");
    Path profile = Files.createTempDirectory("streamkit-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(chromedriver.toFile())
        .usingAnyFreePort()
        .withTimeout(Duration.ofSeconds(60))
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(30));
    return new HeadlessChromium(driver, profile);
  }

  public ChromeDriver driver() {
    return driver;
  }

  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
