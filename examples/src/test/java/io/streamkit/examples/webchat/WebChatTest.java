package io.streamkit.examples.webchat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamkit.testing.HeadlessChromium;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;

/** Two tabs of headless Chromium chat through the example: a line typed in one appears in the other. */
@Timeout(180)
class WebChatTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void aMessageTypedInOneTabAppearsInTheOther() throws Exception {
    try (WebChatServer chat = new WebChatServer("127.0.0.1", 0, 0).start();
        HeadlessChromium browser = HeadlessChromium.start()) {
      WebDriver driver = browser.driver();
      driver.get(chat.pageUrl() + "?name=alice");
      String alice = driver.getWindowHandle();
      awaitConnected(driver);
      driver.switchTo().newWindow(WindowType.TAB);
      driver.get(chat.pageUrl() + "?name=bob");
      String bob = driver.getWindowHandle();
      awaitConnected(driver);

      driver.switchTo().window(alice);
      say(driver, "hello bob");
      driver.switchTo().window(bob);
      await().atMost(WAIT).until(() -> lines(driver).contains("alice: hello bob"));
      say(driver, "hi alice");
      driver.switchTo().window(alice);
      await().atMost(WAIT).until(() -> lines(driver).contains("bob: hi alice"));

      assertThat(lines(driver)).containsExactly("alice: hello bob", "bob: hi alice");
    }
  }

  private static void awaitConnected(WebDriver driver) {
    await().atMost(WAIT).until(() -> driver.findElement(By.id("state")).getText().equals("connected"));
  }

  private static void say(WebDriver driver, String text) {
    driver.findElement(By.id("text")).sendKeys(text);
    driver.findElement(By.id("send")).click();
  }

  private static List<String> lines(WebDriver driver) {
    return driver.findElements(By.cssSelector("#messages li")).stream().map(WebElement::getText).toList();
  }
}
