package io.github.hakit.rocket;

/**
 * Hears about failed attempts and failed sends of an {@link HaProducer}, e.g. for metrics or logs.
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
    /** An attempt failed; another may follow. */
    default void attemptFailed(String topic, SendAttempt attempt) {
    }

    /** A send failed for the caller. */
    default void sendFailed(String topic, RocketSendException failure) {
    }
}
