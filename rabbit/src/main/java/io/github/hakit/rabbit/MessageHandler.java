package io.github.hakit.rabbit;

import com.rabbitmq.client.Delivery;

/**
 * Handles one delivery of a {@link ResilientConsumer}: returning normally acknowledges it, throwing rejects it
 * with requeue.
 *
 * <pre>{@code
 * rabbit.consume("orders", 100, delivery -> orders.save(delivery.getBody()));
 * }</pre>
 */
@FunctionalInterface
public interface MessageHandler {
    void handle(Delivery delivery) throws Exception;
}
