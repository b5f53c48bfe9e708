package io.streamkit.server.internal.rpc;

import com.google.protobuf.ByteString;
import io.streamkit.api.v1.Message;
import io.streamkit.api.v1.StreamServiceGrpc;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-message cost of {@link OutboundQueue}: a send written straight through (transport ready, the common
 * case), and 64 sends queued while not ready then drained by onReady. {@code directSend} is the floor: the same
 * message written to the call with no queue.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OutboundQueueBenchmark {
  private DiscardingCall<Message, Message> call;
  private OutboundQueue<Message> queue;
  private Message message;

  @Setup(Level.Trial)
  public void setUp() {
    call = new DiscardingCall<>(StreamServiceGrpc.getChatMethod());
    queue = new OutboundQueue<>(call, 4L * 1024 * 1024, "bench", new StreamRegistry(), status -> {});
    message = Message.newBuilder().setRoute("echo").setCorrelationId("1")
        .setPayload(ByteString.copyFrom(new byte[32])).build();
  }

  @Benchmark
  public long directSend() {
    call.sendMessage(message);
    return call.bytes();
  }

  @Benchmark
  public boolean sendWhileReady() {
    return queue.send(message);
  }

  @Benchmark
  @OperationsPerInvocation(64)
  public long queueThenDrain() {
    call.ready = false;
    for (int i = 0; i < 64; i++) {
      queue.send(message);
    }
    call.ready = true;
    queue.onReady();
    return call.bytes();
  }
}
