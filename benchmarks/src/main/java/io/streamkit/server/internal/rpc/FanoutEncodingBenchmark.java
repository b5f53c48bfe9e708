package io.streamkit.server.internal.rpc;

import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.streamkit.api.v1.Event;
import io.streamkit.api.v1.StreamServiceGrpc;
import io.streamkit.server.broker.TopicEvent;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Serialize once versus per-subscriber encoding: the bytes handed to the transport for one event fanned out to
 * {@code subscribers} streams. {@code perSubscriber} is what grpc-java's generated marshaller does when a loop calls
 * onNext(event) on every subscriber; {@code encodedOnce} is StreamKit's Subscribe marshaller over the bytes the
 * broker encoded at publish (included: one encoding per event).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FanoutEncodingBenchmark {
  @Param({"1000"})
  public int subscribers;

  @Param({"256"})
  public int payload;

  private Event event;
  private final MethodDescriptor.Marshaller<Event> generated = StreamServiceGrpc.getSubscribeMethod().getResponseMarshaller();
  private final MethodDescriptor.Marshaller<TopicEvent> once = StreamServices.SUBSCRIBE.getResponseMarshaller();
  private final DiscardingCall.CountingStream sink = new DiscardingCall.CountingStream();

  @Setup
  public void setUp() {
    event = TopicEvent.of("news", 42, "epoch-1", ByteString.copyFrom(new byte[payload]), Map.of(), Instant.now()).event();
  }

  @Benchmark
  public long perSubscriber() {
    for (int i = 0; i < subscribers; i++) {
      DiscardingCall.drain(generated.stream(event), sink);
    }
    return sink.count;
  }

  @Benchmark
  public long encodedOnce() {
    TopicEvent encoded = TopicEvent.of(event);
    for (int i = 0; i < subscribers; i++) {
      DiscardingCall.drain(once.stream(encoded), sink);
    }
    return sink.count;
  }
}
