package io.github.hakit.rabbit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import io.github.hakit.core.Endpoint;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@link PublishLink} on an amqp-client connection without automatic recovery (the publisher recovers). */
final class AmqpPublishLink implements PublishLink {
    private static final Logger log = LoggerFactory.getLogger(AmqpPublishLink.class);
    private static final int CLOSE_TIMEOUT_MILLIS = 1000;

    private final Connection connection;
    private final Channel channel;
    private final String endpoint;

    private AmqpPublishLink(Connection connection, Channel channel, String endpoint) {
        this.connection = connection;
        this.channel = channel;
        this.endpoint = endpoint;
    }

    /** Opens links on {@code cluster}'s nodes, named {@code connectionName} in the management UI. */
    static PublishLink.Opener opener(RabbitCluster cluster, String connectionName) {
        return (preferred, avoid, events) -> open(cluster, connectionName, preferred, avoid, events);
    }

    private static PublishLink open(RabbitCluster cluster, String connectionName, Optional<String> preferred,
            Predicate<String> avoid, Events events) throws IOException, TimeoutException {
        Connection connection = cluster.baseFactory().newConnection(null,
                new HealthyAddressResolver(cluster.upstream(), () -> preferred, avoid), connectionName);
        try {
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            String endpoint = cluster.endpointOf(connection).map(Endpoint::name)
                    .orElse(connection.getAddress().getHostAddress() + ":" + connection.getPort());
            channel.addConfirmListener(new ConfirmListener() {
                @Override
                public void handleAck(long seq, boolean multiple) {
                    events.ack(seq, multiple);
                }

                @Override
                public void handleNack(long seq, boolean multiple) {
                    events.nack(seq, multiple);
                }
            });
            channel.addReturnListener(r -> events.returned(String.valueOf(r.getProperties().getMessageId()),
                    r.getReplyCode(), r.getReplyText(), r.getExchange(), r.getRoutingKey()));
            channel.addShutdownListener(cause -> events.lost(cause, cause.isInitiatedByApplication()));
            connection.addShutdownListener(cause -> events.lost(cause, cause.isInitiatedByApplication()));
            return new AmqpPublishLink(connection, channel, endpoint);
        } catch (IOException | RuntimeException e) {
            connection.abort(CLOSE_TIMEOUT_MILLIS);
            throw e;
        }
    }

    @Override
    public String endpoint() {
        return endpoint;
    }

    @Override
    public long nextSeqNo() {
        return channel.getNextPublishSeqNo();
    }

    @Override
    public void publish(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props,
            byte[] body) throws IOException {
        channel.basicPublish(exchange, routingKey, mandatory, props, body);
    }

    @Override
    public void close() {
        try {
            connection.close(CLOSE_TIMEOUT_MILLIS);
        } catch (IOException | RuntimeException e) {
            log.debug("close of the publisher connection to {} failed: {}", endpoint, e.toString());
        }
    }

    @Override
    public void abort() {
        try {
            connection.abort(CLOSE_TIMEOUT_MILLIS);
        } catch (RuntimeException e) {
            log.debug("abort of the publisher connection to {} failed: {}", endpoint, e.toString());
        }
    }

    @Override
    public String toString() {
        return "AmqpPublishLink[" + endpoint + "]";
    }
}
