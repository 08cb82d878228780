package io.github.hakit.testkit.proxy;

import io.github.hakit.testkit.Ports;
import java.util.List;
import java.util.Objects;

/**
 * One {@code listen} section of an {@link HaproxyServer}: a loopback bind port (0 = pick a free one), a mode,
 * a balance algorithm, loopback servers and the options every {@code server} line carries.
 *
 * <pre>{@code
 * HaproxyListen.tcp("rabbit", List.of("127.0.0.1:5681", "127.0.0.1:5682"))       // the seed's deployment
 *         .withServerOptions("check inter 200ms rise 2 fall 3");
 * }</pre>
 *
 * @param name          section name, also the stats page's proxy name
 * @param port          bind port on 127.0.0.1, 0 for a free port
 * @param mode          {@code tcp} or {@code http}
 * @param balance       e.g. {@code roundrobin}, {@code leastconn}, {@code first}
 * @param servers       {@code host:port} of each server, loopback only; named {@code s1, s2, …}
 * @param serverOptions appended to every {@code server} line, e.g. {@code check inter 2s rise 2 fall 3}
 * @param extraLines    more lines for the section, e.g. {@code option tcp-check}
 */
public record HaproxyListen(String name, int port, String mode, String balance, List<String> servers,
        String serverOptions, List<String> extraLines) {

    /** HAProxy's defaults as the field runs them in front of RabbitMQ. */
    public static final String DEFAULT_SERVER_OPTIONS = "check inter 2s rise 2 fall 3";

    public HaproxyListen {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z][A-Za-z0-9_-]*")) {
            throw new IllegalArgumentException("bad listen name: " + name);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (!"tcp".equals(mode) && !"http".equals(mode)) {
            throw new IllegalArgumentException("mode must be tcp or http: " + mode);
        }
        Objects.requireNonNull(balance, "balance");
        servers = List.copyOf(servers);
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no servers for " + name);
        }
        for (String server : servers) {
            int colon = server.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("server is not host:port: " + server);
            }
            Ports.loopback(server.substring(0, colon));
        }
        Objects.requireNonNull(serverOptions, "serverOptions");
        extraLines = List.copyOf(extraLines);
    }

    /** {@code mode tcp}, {@code balance roundrobin}, {@link #DEFAULT_SERVER_OPTIONS}, a free port. */
    public static HaproxyListen tcp(String name, List<String> servers) {
        return new HaproxyListen(name, 0, "tcp", "roundrobin", servers, DEFAULT_SERVER_OPTIONS, List.of());
    }

    /** {@code mode http}, {@code balance roundrobin}, {@link #DEFAULT_SERVER_OPTIONS}, a free port. */
    public static HaproxyListen http(String name, List<String> servers) {
        return new HaproxyListen(name, 0, "http", "roundrobin", servers, DEFAULT_SERVER_OPTIONS, List.of());
    }

    public HaproxyListen withServerOptions(String options) {
        return new HaproxyListen(name, port, mode, balance, servers, options, extraLines);
    }

    public HaproxyListen withBalance(String algorithm) {
        return new HaproxyListen(name, port, mode, algorithm, servers, serverOptions, extraLines);
    }

    public HaproxyListen withPort(int bindPort) {
        return new HaproxyListen(name, bindPort, mode, balance, servers, serverOptions, extraLines);
    }

    public HaproxyListen withExtraLines(List<String> lines) {
        return new HaproxyListen(name, port, mode, balance, servers, serverOptions, lines);
    }
}
