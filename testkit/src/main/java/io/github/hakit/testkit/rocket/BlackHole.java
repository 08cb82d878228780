package io.github.hakit.testkit.rocket;

import io.github.hakit.testkit.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loopback TCP port that accepts every connection and never answers, never closes: the
 * "half-open server" a client meets when a host hangs or a firewall eats replies. Reads and
 * requests against it can only end by the client's own timeout.
 *
 * <pre>{@code
 * try (BlackHole hole = BlackHole.open("127.0.0.1", 0)) {
 *     String address = hole.address(); // "127.0.0.1:41234"
 * }
 * }</pre>
 */
public final class BlackHole implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlackHole.class);

    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private BlackHole(ServerSocket server) {
        this.server = server;
        this.acceptor = new Thread(this::acceptLoop, "black-hole-" + server.getLocalPort());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /**
     * Opens a black hole on a loopback host; port 0 picks a free one. Address reuse is on so that a
     * port just left by a killed server can be taken over.
     */
    public static BlackHole open(String loopbackHost, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(Ports.loopback(loopbackHost), port), 1024);
            log.info("black hole open on {}:{}", loopbackHost, server.getLocalPort());
            return new BlackHole(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open black hole on " + loopbackHost + ":" + port, e);
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                accepted.add(server.accept());
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("black hole accept failed on {}", address(), e);
                }
            }
        }
    }

    /** {@code host:port}. */
    public String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** How many connections were accepted (and left hanging) so far. */
    public int acceptedConnections() {
        return accepted.size();
    }

    /** Closes the listening socket and every accepted connection. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing black hole {}", address(), e);
        }
        for (Socket s : accepted) {
            try {
                s.close();
            } catch (IOException e) {
                log.debug("closing black-holed connection", e);
            }
        }
        accepted.clear();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("black hole closed on port {}", server.getLocalPort());
    }
}
