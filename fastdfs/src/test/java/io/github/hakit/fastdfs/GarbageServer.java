package io.github.hakit.fastdfs;

import io.github.hakit.testkit.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** A "tracker" that answers every request with an HTTP error page: not a FastDFS header. */
final class GarbageServer implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread thread;

    GarbageServer(String host) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(Ports.loopback(host), 0));
        thread = new Thread(this::serve, "garbage-tracker");
        thread.setDaemon(true);
        thread.start();
    }

    String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    int connections() {
        return connections.get();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                connections.incrementAndGet();
                InputStream in = s.getInputStream();
                in.readNBytes(10);
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // next connection
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
