package io.streamkit.examples.chat;

import io.streamkit.server.StreamKitServer;
import java.io.PrintStream;
import java.util.concurrent.TimeoutException;

/**
 * The chat demo: Alice and Bob, each with a {@link io.streamkit.client.StreamKitClient} of their own, meet in a
 * room of the {@link RoomHandler}, exchange a few lines over their bidi Chat streams and leave. Each prints the
 * lines it receives.
 *
 * <p>Without arguments the demo starts an embedded {@link ChatServer} on a free loopback port and stops it at
 * the end; with {@code host:port} it talks through a chat server running there ({@link ChatServer#main}).
 * Run it with {@code ./mvnw -B -q -pl examples exec:java} (add {@code -Dexec.args=localhost:9090} for a
 * running server). Exits with 0 when the conversation went as scripted, 1 when it did not, 2 for bad
 * arguments.
 */
public final class ChatDemo {
  private ChatDemo() {}

  /** Runs the demo; see the class documentation for the argument and the exit codes. */
  public static void main(String[] args) {
    int code = run(args, System.out);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs the demo, printing to {@code out}; returns the exit code. */
  static int run(String[] args, PrintStream out) {
    if (args.length > 1) {
      out.println("usage: ChatDemo [host:port]   (no address: an embedded chat server)");
      return 2;
    }
    try {
      if (args.length == 1) {
        talk(args[0], out);
        return 0;
      }
      try (ChatServer server = new ChatServer(StreamKitServer.builder().settings(o -> o.host("127.0.0.1").port(0))).start()) {
        out.println("embedded chat server on 127.0.0.1:" + server.port());
        talk("127.0.0.1:" + server.port(), out);
      }
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      out.println("chat demo interrupted");
      return 1;
    } catch (TimeoutException | RuntimeException e) {
      out.println("chat demo failed: " + e);
      return 1;
    }
  }

  /** The scripted conversation through the chat server at {@code target} (host:port). */
  static void talk(String target, PrintStream out) throws InterruptedException, TimeoutException {
    try (ChatUser alice = ChatUser.join(target, "alice", RoomHandler.DEFAULT_ROOM, out);
        ChatUser bob = ChatUser.join(target, "bob", RoomHandler.DEFAULT_ROOM, out)) {
      alice.hear(); // * bob joined
      alice.say("Hi Bob! This line went from my stream through the server's room route to yours.");
      bob.hear();
      bob.say("Hi Alice! And this one came back the same way, pushed by the server.");
      alice.hear();
      alice.say("Bye!");
      bob.hear();
      bob.leave();
      alice.hear(); // * bob left
      alice.leave();
    }
  }
}
