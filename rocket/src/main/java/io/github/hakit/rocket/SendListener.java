package io.github.hakit.rocket;

/**
 * Hears about the attempts and failed sends of an {@link HaProducer}, with the topic and hakit's {@link SendAttempt}
 * (broker, queue, time, failure kind), e.g. for metrics or logs ({@link HaProducerMetrics}). Broker ejections, retries
 * and exhausted sends are also core events: {@link HaProducer.Builder#listener(io.github.hakit.core.event.UpstreamListener)}.
 * Methods run on the sending thread (or the client's callback thread for async sends): they must be
 * fast and must not throw — what they throw is logged and ignored.
 *
 * <pre>{@code
 * HaProducer.builder("orders").listener(new SendListener() {
 *     public void attemptFailed(String topic, SendAttempt attempt) { failedAttempts.increment(); }
 * })
 * }</pre>
 */
public interface SendListener {
    /** An attempt succeeded (the send's result goes back to the caller). */
    default void attemptSucceeded(String topic, SendAttempt attempt) {
    }

    /** An attempt failed; another may follow. */
    default void attemptFailed(String topic, SendAttempt attempt) {
    }

    /** A send failed for the caller. */
    default void sendFailed(String topic, RocketSendException failure) {
    }
}
