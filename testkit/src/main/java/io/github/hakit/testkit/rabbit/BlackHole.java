package io.github.hakit.testkit.rabbit;

import io.github.hakit.testkit.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loopback ports that accept every connection and never answer or close (until {@link #close()}): a killed node's
 * ports taken over so that its clients see a hung host. One daemon accept thread per port.
 */
final class BlackHole implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BlackHole.class);

    private final List<ServerSocket> servers = new ArrayList<>();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final List<Thread> acceptors = new ArrayList<>();

    private BlackHole() {
    }

    /** Opens the ports (address reuse on, so ports a killed node just left can be taken). */
    static BlackHole open(String loopbackHost, int... ports) {
        BlackHole hole = new BlackHole();
        try {
            for (int port : ports) {
                ServerSocket server = new ServerSocket();
                server.setReuseAddress(true);
                hole.servers.add(server);
                server.bind(new InetSocketAddress(Ports.loopback(loopbackHost), port), 128);
                Thread t = new Thread(() -> hole.acceptLoop(server), "rabbit-black-hole-" + port);
                t.setDaemon(true);
                hole.acceptors.add(t);
                t.start();
            }
        } catch (IOException e) {
            hole.close();
            throw new UncheckedIOException("cannot open a black hole on " + loopbackHost, e);
        }
        log.info("black hole on {} ports {}", loopbackHost, java.util.Arrays.toString(ports));
        return hole;
    }

    private void acceptLoop(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                accepted.add(server.accept());
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        for (ServerSocket s : servers) {
            try {
                s.close();
            } catch (IOException e) {
                log.debug("close failed", e);
            }
        }
        for (Socket s : accepted) {
            try {
                s.close();
            } catch (IOException e) {
                log.debug("close failed", e);
            }
        }
        accepted.clear();
        for (Thread t : acceptors) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
