package io.github.hakit.rabbit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Delivery;
import com.rabbitmq.client.Envelope;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer that keeps consuming across node failures: its connection is auto-recovering and health-ordered
 * ({@link RabbitCluster#newConnection}), so when its node dies it reconnects to the next healthy node and
 * amqp-client re-registers the consumer; when the broker cancels the subscription (for example while a quorum
 * queue's leader moves, or the queue is re-created) it subscribes again after a short backoff. Manual acks: a
 * handler that returns acknowledges, one that throws rejects with requeue.
 *
 * <pre>{@code
 * try (ResilientConsumer consumer = rabbit.consume("orders", 200, delivery -> handle(delivery))) {
 *     ...
 * }
 * }</pre>
 */
public final class ResilientConsumer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResilientConsumer.class);

    private final RabbitCluster cluster;
    private final String queue;
    private final MessageHandler handler;
    private final Connection connection;
    private final Channel channel;
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong resubscriptions = new AtomicLong();
    private volatile boolean closed;

    ResilientConsumer(RabbitCluster cluster, String queue, int prefetch, MessageHandler handler) throws IOException {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.handler = Objects.requireNonNull(handler, "handler");
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch < 1: " + prefetch);
        }
        try {
            this.connection = cluster.newConnection("hakit-consumer-" + queue);
        } catch (TimeoutException e) {
            throw new IOException("timed out connecting consumer of " + queue, e);
        }
        this.channel = connection.createChannel();
        channel.basicQos(prefetch);
        subscribe(1);
    }

    private void subscribe(int attempt) {
        if (closed) {
            return;
        }
        try {
            channel.basicConsume(queue, false, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body)
                        throws IOException {
                    deliver(new Delivery(envelope, props, body));
                }

                @Override
                public void handleCancel(String tag) {
                    resubscriptions.incrementAndGet();
                    log.warn("consumer of {} cancelled by the broker; subscribing again", queue);
                    cluster.scheduler().schedule(() -> subscribe(1), 100, TimeUnit.MILLISECONDS);
                }
            });
        } catch (IOException | RuntimeException e) {
            long delay = cluster.settings().recoveryBackoff.apply(attempt);
            log.debug("subscribing to {} failed ({}); again in {} ms", queue, e.toString(), delay);
            cluster.scheduler().schedule(() -> subscribe(attempt + 1), delay, TimeUnit.MILLISECONDS);
        }
    }

    private void deliver(Delivery delivery) throws IOException {
        long tag = delivery.getEnvelope().getDeliveryTag();
        try {
            handler.handle(delivery);
            handled.incrementAndGet();
            channel.basicAck(tag, false);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            failed.incrementAndGet();
            log.warn("handler failed on message {} from {}; requeued", delivery.getProperties().getMessageId(),
                    queue, e);
            channel.basicReject(tag, true);
        }
    }

    /** Deliveries handled and acknowledged. */
    public long handled() {
        return handled.get();
    }

    /** Deliveries the handler threw on (rejected with requeue). */
    public long failed() {
        return failed.get();
    }

    /** Times the broker cancelled the subscription and it was renewed. */
    public long resubscriptions() {
        return resubscriptions.get();
    }

    /** The endpoint the consumer's connection is on now. */
    public java.util.Optional<String> currentEndpoint() {
        return cluster.endpointOf(connection).map(io.github.hakit.core.Endpoint::name);
    }

    @Override
    public void close() {
        closed = true;
        try {
            connection.close(2000);
        } catch (IOException | RuntimeException e) {
            log.debug("close failed", e);
        }
    }
}
