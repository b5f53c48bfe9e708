package io.streamkit.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamkit.testing.HeadlessChromium;
import io.streamkit.testing.ServerProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/** The web console of the packaged server in headless Chromium: topics, health, the live tail, the publish box. */
@Timeout(180)
class WebConsoleIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void theConsoleShowsATopicOnceItGetsAnEventAndItsTailShowsEventsArrivingLive() throws Exception {
    int httpPort = ServerProcess.freePort();
    try (ServerProcess server = ServerProcess.start("--http-port", Integer.toString(httpPort));
        HeadlessChromium browser = HeadlessChromium.start()) {
      WebDriver driver = browser.driver();
      WebPublisher publisher = new WebPublisher(httpPort);
      driver.get("http://127.0.0.1:" + httpPort + "/");
      await().atMost(WAIT).until(() -> driver.findElement(By.id("health")).getText().equals("health: SERVING"));
      assertThat(driver.findElements(By.cssSelector("#topics tbody tr"))).isEmpty();

      publisher.publish("orders", "first order");
      // The table is redrawn every second: read and click it through retries of stale elements.
      await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
        List<String> row = row(driver, "orders");
        assertThat(row.get(0)).isEqualTo("orders");
        assertThat(row.get(1)).isNotEmpty(); // the epoch
        assertThat(row.get(2)).isEqualTo("1");
      });

      await().atMost(WAIT).ignoreExceptions().until(() -> {
        driver.findElement(By.cssSelector("#topics tr[data-topic='orders']")).click();
        return true;
      });
      await().atMost(WAIT).until(() -> driver.findElement(By.id("tail-state")).getText().equals("live"));
      publisher.publish("orders", "second order");
      publisher.publish("orders", "third order");
      await().atMost(WAIT).until(() -> tail(driver).size() == 2);
      assertThat(tail(driver).get(0)).startsWith("#2 ").endsWith("second order");
      assertThat(tail(driver).get(1)).startsWith("#3 ").endsWith("third order");

      driver.findElement(By.id("publish-topic")).sendKeys("orders");
      driver.findElement(By.id("publish-payload")).sendKeys("from the console");
      driver.findElement(By.id("publish-send")).click();
      await().atMost(WAIT).until(() -> driver.findElement(By.id("publish-result")).getText()
          .equals("stored at offset 4"));
      await().atMost(WAIT).until(() -> tail(driver).size() == 3);
      assertThat(tail(driver).get(2)).endsWith("from the console");
      await().atMost(WAIT).ignoreExceptions().untilAsserted(() ->
          assertThat(row(driver, "orders").get(3)).isEqualTo("1")); // one subscriber: the tail
      await().atMost(WAIT).until(() -> driver.findElement(By.id("published")).getText().equals("4"));
    }
  }

  @Test
  void theBrowserSnippetOfWebMdWorksAsWritten() throws Exception {
    String doc = java.nio.file.Files.readString(docsWeb());
    int start = doc.indexOf("```html\n<script>\n") + "```html\n<script>\n".length();
    String snippet = doc.substring(start, doc.indexOf("</script>\n```", start));
    int httpPort = ServerProcess.freePort();
    try (ServerProcess server = ServerProcess.start("--http-port", Integer.toString(httpPort));
        HeadlessChromium browser = HeadlessChromium.start()) {
      WebDriver driver = browser.driver();
      driver.get("http://127.0.0.1:" + httpPort + "/");
      org.openqa.selenium.JavascriptExecutor page = browser.driver();
      page.executeScript("window.logged = []; const log = console.log; console.log = (...a) => {"
          + " window.logged.push(a.join(' ')); log(...a); };");

      page.executeScript(snippet);

      await().atMost(WAIT).until(() -> logged(page).size() >= 2);
      assertThat(logged(page)).containsExactlyInAnyOrder("stored at offset 1", "#1 hello from the browser");
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String> logged(org.openqa.selenium.JavascriptExecutor page) {
    return (List<String>) page.executeScript("return window.logged");
  }

  private static java.nio.file.Path docsWeb() {
    for (java.nio.file.Path d = java.nio.file.Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (java.nio.file.Files.isRegularFile(d.resolve("docs/WEB.md"))) {
        return d.resolve("docs/WEB.md");
      }
    }
    throw new IllegalStateException("docs/WEB.md not found above " + java.nio.file.Path.of("").toAbsolutePath());
  }

  private static List<String> row(WebDriver driver, String topic) {
    return driver.findElements(By.cssSelector("#topics tr[data-topic='" + topic + "'] td")).stream()
        .map(WebElement::getText).toList();
  }

  private static List<String> tail(WebDriver driver) {
    return driver.findElements(By.cssSelector("#tail-events li")).stream().map(WebElement::getText).toList();
  }
}
