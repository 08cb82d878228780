package io.github.hakit.rabbit.spring;

import com.rabbitmq.client.ConnectionFactory;
import java.time.Duration;
import java.util.Objects;
import org.springframework.boot.autoconfigure.amqp.ConnectionFactoryCustomizer;
import org.springframework.core.env.Environment;

/**
 * hakit's failover timings on Spring Boot's amqp-client factory, where {@code spring.rabbitmq.*} leaves them
 * open: connect timeout ({@code hakit.rabbit.connection-timeout}, 2 s, unless
 * {@code spring.rabbitmq.connection-timeout} is set; amqp-client's own is 60 s), AMQP handshake timeout
 * ({@code hakit.rabbit.handshake-timeout}, 2 s; Spring Boot has no property for it, amqp-client's is 10 s) and
 * heartbeat ({@code hakit.rabbit.heartbeat}, 5 s, unless {@code spring.rabbitmq.requested-heartbeat} is set; amqp-client
 * asks for 60 s). Short timeouts bound what a black-holed node costs a connection attempt before the next node is
 * tried; the heartbeat bounds how long a dead node goes unnoticed when no RST arrives.
 */
public class HakitConnectionFactoryCustomizer implements ConnectionFactoryCustomizer {
    private final HakitRabbitProperties properties;
    private final Environment env;

    public HakitConnectionFactoryCustomizer(HakitRabbitProperties properties, Environment env) {
        this.properties = Objects.requireNonNull(properties, "properties");
        this.env = Objects.requireNonNull(env, "env");
    }

    @Override
    public void customize(ConnectionFactory factory) {
        if (!env.containsProperty("spring.rabbitmq.connection-timeout")) {
            factory.setConnectionTimeout(millis(properties.getConnectionTimeout()));
        }
        factory.setHandshakeTimeout(millis(properties.getHandshakeTimeout()));
        if (!env.containsProperty("spring.rabbitmq.requested-heartbeat")) {
            factory.setRequestedHeartbeat((int) Math.max(1, properties.getHeartbeat().toSeconds()));
        }
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }
}
