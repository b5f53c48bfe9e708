package io.streamkit.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on 127.0.0.1 in front of one or more servers, as a load balancer with health by connect: each
 * new connection goes to the first backend, in this proxy's order of preference, that accepts it; a client whose
 * connection finds none up sees it closed at once. When a backend dies its connections die with it (the proxy
 * closes the client's side as soon as the backend's side ends), and the client's reconnect lands on the next
 * backend that is up. A test can also cut every connection ({@link #dropConnections()}), as a NAT or load
 * balancer dropping them would, or send new connections elsewhere ({@link #retarget(int)}). A client holds one
 * address (a StreamKitClient has one target), so this is how a test gives it several servers.
 *
 * <p>Thread-safe. Two daemon threads per carried connection plus one acceptor; {@link #close()} stops all.
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket listener;
  private volatile List<Integer> backends; // in order of preference
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger links = new AtomicInteger();

  /** Forwards to {@code backendPort}. */
  public TcpProxy(int backendPort) throws IOException {
    this(List.of(backendPort), 0);
  }

  /** Forwards to {@code backendPorts}, trying them from index {@code preferred} on, wrapping around. */
  public TcpProxy(List<Integer> backendPorts, int preferred) throws IOException {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < backendPorts.size(); i++) {
      order.add(backendPorts.get((preferred + i) % backendPorts.size()));
    }
    this.backends = List.copyOf(order);
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Connections carried to a backend so far; every one after the first is a reconnect of the client. */
  public int links() {
    return links.get();
  }

  /** Sends new connections to {@code port} only, from now on, as a load balancer does when a backend dies. */
  public void retarget(int port) {
    this.backends = List.of(port);
  }

  /** Closes every connection now; new ones are still accepted. */
  public void dropConnections() {
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    sockets.clear();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed: the test is over
      }
      Socket server = connectToFirstLive();
      if (server == null) {
        closeQuietly(client); // no backend up: the client sees its connection fail and backs off
        continue;
      }
      links.incrementAndGet();
      sockets.add(client);
      sockets.add(server);
      pipe(client, server);
      pipe(server, client);
    }
  }

  private Socket connectToFirstLive() {
    for (int port : backends) {
      Socket s = new Socket();
      try {
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
        return s;
      } catch (IOException refused) {
        closeQuietly(s); // that backend is down (killed, not yet restarted): try the next one
      }
    }
    return null;
  }

  private void pipe(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[64 * 1024];
      try {
        from.setTcpNoDelay(true);
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // One side closed, reset or was dropped: close the other side too, below.
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        sockets.remove(from);
        sockets.remove(to);
      }
    }, "tcp-proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // Closing a socket we are abandoning: nothing more to do.
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    dropConnections();
  }
}
