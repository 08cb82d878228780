package io.github.hakit.core.health;

import io.github.hakit.core.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * An active health check of one endpoint: returns normally when healthy, throws otherwise. Back-end modules add
 * protocol probes (FastDFS ACTIVE_TEST, AMQP handshake, RocketMQ request, ...).
 *
 * <pre>{@code
 * Upstream up = Upstream.builder("db").endpoints("10.0.0.1:5432,10.0.0.2:5432")
 *     .healthCheck(HealthCheckConfig.ofDefaults(), Probe.tcpConnect())
 *     .build();
 * }</pre>
 *
 * <p>A probe must give up within {@code timeout}; the checker also counts a probe that has not returned by then
 * as failed.
 */
@FunctionalInterface
public interface Probe {
    /** Checks {@code endpoint}; throws when it is not healthy. */
    void check(Endpoint endpoint, Duration timeout) throws Exception;

    /** Healthy when a TCP connection can be opened within the timeout (HAProxy's default layer-4 check). */
    static Probe tcpConnect() {
        return (endpoint, timeout) -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), (int) Math.max(1, timeout.toMillis()));
            } catch (IOException e) {
                throw new IOException("connect to " + endpoint.address() + " failed: " + e.getMessage(), e);
            }
        };
    }
}
