package io.streamkit.server.internal.rpc;

import io.streamkit.api.v1.Message;
import io.streamkit.server.handler.MessageHandler;
import io.streamkit.server.handler.StreamContext;
import io.streamkit.server.internal.handlers.EchoHandler;
import java.util.ArrayList;
import java.util.List;
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

/** Route dispatch: {@link RouteTable#lookup(String)} of a message's route among {@code routes} handlers. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteDispatchBenchmark {
  @Param({"2", "50"})
  public int routes;

  private RouteTable table;
  private Message hit;
  private Message miss;

  @Setup
  public void setUp() {
    List<MessageHandler> handlers = new ArrayList<>();
    handlers.add(new EchoHandler());
    for (int i = 1; i < routes; i++) {
      String name = "route-" + i;
      handlers.add(new MessageHandler() {
        @Override
        public String route() {
          return name;
        }

        @Override
        public void onMessage(StreamContext context, Message message) {}
      });
    }
    table = RouteTable.of(handlers);
    // The route string arrives freshly decoded from the wire: not the interned constant of the table.
    hit = Message.newBuilder().setRoute(new String("echo".toCharArray())).build();
    miss = Message.newBuilder().setRoute("no-such-route").build();
  }

  @Benchmark
  public Object lookupHit() {
    return table.lookup(hit.getRoute());
  }

  @Benchmark
  public Object lookupMiss() {
    return table.lookup(miss.getRoute());
  }
}
