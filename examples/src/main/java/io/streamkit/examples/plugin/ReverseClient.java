package io.streamkit.examples.plugin;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Message;
import io.streamkit.client.StreamKitClient;
import io.streamkit.client.StreamKitException;
import java.util.concurrent.ExecutionException;

/**
 * Calls the {@code reverse} route of a running server once per word:
 * {@code ReverseClient localhost:9090 stressed drawer} prints {@code desserts} and {@code reward}. Start the
 * server with the plug-in first (see this package's README). Exits with 1 when a call fails, 2 on bad
 * arguments.
 *
 * <p>Not part of the plug-in jar: a plug-in holds handlers only.
 */
public final class ReverseClient {
  private ReverseClient() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 2) {
      System.err.println("usage: ReverseClient host:port word...");
      System.exit(2);
    }
    try (StreamKitClient client = StreamKitClient.builder().target(args[0]).build()) {
      for (int i = 1; i < args.length; i++) {
        Message reply = client.call(ReverseHandler.ROUTE, ByteString.copyFromUtf8(args[i])).get();
        System.out.println(reply.getPayload().toStringUtf8());
      }
    } catch (ExecutionException e) {
      // call() fails its future with StreamKitException, whose message is the status and its description.
      Throwable cause = e.getCause() instanceof StreamKitException ? e.getCause() : e;
      System.err.println("reverse failed: " + cause.getMessage());
      System.exit(1);
    }
  }
}
