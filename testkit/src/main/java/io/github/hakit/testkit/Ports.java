package io.github.hakit.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;

/** Loopback addresses and free ports for test servers. Only 127.0.0.0/8 is ever used. */
public final class Ports {
    private Ports() {
    }

    /** A port that is free on {@code 127.0.0.1} right now. */
    public static int freePort() {
        return freePort("127.0.0.1");
    }

    /** A port that is free on the given loopback address right now. */
    public static int freePort(String loopbackHost) {
        InetAddress address = loopback(loopbackHost);
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(address, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + loopbackHost, e);
        }
    }

    /** A port that is free on every one of the loopback addresses right now (e.g. one port for several hosts). */
    public static int freePortOnAll(String... loopbackHosts) {
        if (loopbackHosts.length == 0) {
            throw new IllegalArgumentException("no hosts");
        }
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = freePort(loopbackHosts[0]);
            boolean free = true;
            for (String h : loopbackHosts) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(loopback(h), port));
                } catch (IOException e) {
                    free = false;
                    break;
                }
            }
            if (free) {
                return port;
            }
        }
        throw new IllegalStateException("no port free on all of " + String.join(",", loopbackHosts));
    }

    /** {@code port} when it is 1..65535, else an exception naming {@code what}; for ports a user chose. */
    public static int requireValid(int port, String what) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " port out of range 1..65535: " + port);
        }
        return port;
    }

    /** Resolves {@code host} and refuses anything outside 127.0.0.0/8. */
    public static InetAddress loopback(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException("not a loopback address: " + host + " (" + address + ")");
            }
            return address;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host: " + host, e);
        }
    }

    /** True when something accepts TCP connections on host:port within the timeout. */
    public static boolean isListening(String host, int port, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(loopback(host), port), timeoutMillis);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
