package dev.thoughtline.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One address in front of several replicas of a service, as a Kubernetes Service is: each connection goes to the next
 * replica that accepts it, so a replica that is down (not started yet, killed) is skipped. A connection stays with its
 * replica until either side closes it. For tests that start and kill replicas behind one public URL.
 */
public final class RoundRobinProxy implements AutoCloseable {

    private final ServerSocket server;
    private final List<Integer> backends = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** A proxy on a free port in front of replicas on localhost at {@code ports}. */
    public RoundRobinProxy(List<Integer> ports) throws IOException {
        backends.addAll(ports);
        server = new ServerSocket(0);
        Thread accept = new Thread(this::accept, "proxy-accept-" + server.getLocalPort());
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://localhost:PORT}. */
    public String url() {
        return "http://localhost:" + port();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            Thread t = new Thread(() -> serve(client), "proxy-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket client) {
        Socket backend = null;
        for (int tries = 0; tries < backends.size() && backend == null; tries++) {
            int port = backends.get(Math.floorMod(next.getAndIncrement(), backends.size()));
            try {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("localhost", port), 1000);
                backend = s;
            } catch (IOException down) {
                // the next replica
            }
        }
        if (backend == null) {
            close(client);
            return;
        }
        open.add(client);
        open.add(backend);
        Socket b = backend;
        Thread up = new Thread(() -> pump(client, b), "proxy-up");
        up.setDaemon(true);
        up.start();
        pump(b, client);
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ended) {
            // one side went away
        } finally {
            close(from);
            close(to);
        }
    }

    private void close(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        open.forEach(this::close);
    }
}
