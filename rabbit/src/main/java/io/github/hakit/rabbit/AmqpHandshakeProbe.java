package io.github.hakit.rabbit;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.health.Probe;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Health probe that opens a real AMQP 0-9-1 connection to a node (TCP connect, protocol header,
 * {@code Connection.Start/Tune/Open}) and closes it again: a node that accepts TCP but never answers the
 * handshake, or refuses the credentials, or is booting, fails the probe. The connection and the handshake are
 * both bounded by the probe timeout.
 *
 * <pre>{@code
 * Probe probe = new AmqpHandshakeProbe(() -> factoryWithCredentials);
 * probe.check(Endpoint.of("127.0.0.1:5672"), Duration.ofSeconds(1));
 * }</pre>
 */
public final class AmqpHandshakeProbe implements Probe {
    private final Supplier<ConnectionFactory> factories;

    /**
     * @param factories gives a fresh, configured factory (credentials, virtual host, TLS) per probe; automatic
     *                  recovery is switched off on it
     */
    public AmqpHandshakeProbe(Supplier<ConnectionFactory> factories) {
        this.factories = Objects.requireNonNull(factories, "factories");
    }

    @Override
    public void check(Endpoint endpoint, Duration timeout) throws Exception {
        ConnectionFactory factory = factories.get();
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
        factory.setHost(endpoint.host());
        factory.setPort(endpoint.port());
        factory.setConnectionTimeout(millis);
        factory.setHandshakeTimeout(millis);
        factory.setShutdownTimeout(millis);
        factory.setRequestedHeartbeat(0);
        try (Connection connection = factory.newConnection("hakit-probe")) {
            if (!connection.isOpen()) {
                throw new IllegalStateException("AMQP connection to " + endpoint.address() + " closed at once");
            }
        }
    }

    @Override
    public String toString() {
        return "AMQP handshake";
    }
}
