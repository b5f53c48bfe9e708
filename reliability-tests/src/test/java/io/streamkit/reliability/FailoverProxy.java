package io.streamkit.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on 127.0.0.1 in front of several server instances, as a load balancer with health by
 * connect: each new connection goes to the first instance, in this proxy's order of preference, that accepts
 * it. When an instance dies its connections die with it (the proxy closes the client's side as soon as the
 * instance's side ends), and the client's reconnect lands on the next instance that is up. The client holds
 * one address (a StreamKitClient has one target), so this is how a test gives it several instances.
 *
 * <p>Thread-safe. Two daemon threads per carried connection plus one acceptor; {@link #close()} stops all.
 */
final class FailoverProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final List<Integer> backends; // in order of preference
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger links = new AtomicInteger();
  private volatile int currentBackend = -1;

  /** Forwards to {@code backendPorts}, trying them from index {@code preferred} on, wrapping around. */
  FailoverProxy(List<Integer> backendPorts, int preferred) throws IOException {
    this.backends = new java.util.ArrayList<>();
    for (int i = 0; i < backendPorts.size(); i++) {
      backends.add(backendPorts.get((preferred + i) % backendPorts.size()));
    }
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread acceptor = new Thread(this::acceptLoop, "failover-proxy-accept-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Connections carried to an instance so far; every one after the first is a reconnect of the client. */
  int links() {
    return links.get();
  }

  /** The port of the instance the latest connection went to, -1 before the first. */
  int currentBackend() {
    return currentBackend;
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
        closeQuietly(client); // no instance up: the client sees its connection fail and backs off
        continue;
      }
      links.incrementAndGet();
      currentBackend = server.getPort();
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
        closeQuietly(s); // that instance is down (killed, not yet restarted): try the next one
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
    }, "failover-proxy-pipe");
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
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }
}
