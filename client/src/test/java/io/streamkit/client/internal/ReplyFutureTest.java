package io.streamkit.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ReplyFutureTest {
  private final ExecutorService replies = ClientThreads.newReplyExecutor();

  @AfterEach
  void stop() {
    replies.shutdownNow();
  }

  @Test
  void blockingOnAPendingReplyFromTheReplyThreadFailsAtOnceSayingWhy() throws Exception {
    ReplyFuture<String> pending = new ReplyFuture<>();
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    replies.execute(() -> {
      try {
        pending.get();
        thrown.complete(null);
      } catch (Throwable t) {
        thrown.complete(t);
      }
    });

    assertThat(thrown.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("would deadlock").hasMessageContaining("thenAcceptAsync");
  }

  @Test
  void aDependentStageOnTheReplyThreadCannotJoinAnotherPendingReply() throws Exception {
    ReplyFuture<String> first = new ReplyFuture<>();
    ReplyFuture<String> second = new ReplyFuture<>();
    CompletableFuture<String> chained = first.thenApply(x -> second.join());
    assertThat(chained).isInstanceOf(ReplyFuture.class);

    replies.execute(() -> first.complete("done"));

    assertThat(chained).failsWithin(5, TimeUnit.SECONDS).withThrowableOfType(Exception.class)
        .withRootCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void aCompletedReplyMayBeReadOnAnyThreadAndAPendingOneElsewhereThanTheReplyThread() throws Exception {
    ReplyFuture<String> done = new ReplyFuture<>();
    done.complete("value");
    assertThat(replies.submit(() -> done.get()).get(5, TimeUnit.SECONDS)).isEqualTo("value");

    ReplyFuture<String> later = new ReplyFuture<>();
    replies.execute(() -> later.complete("from the reply thread"));
    assertThat(later.get(5, TimeUnit.SECONDS)).isEqualTo("from the reply thread");
  }
}
