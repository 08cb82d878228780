package io.github.hakit.core.event;

import io.github.hakit.core.AttemptRecord;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.HealthState;
import java.util.List;

/**
 * Receives an upstream's events: state changes (with their cause), retries, exhausted calls and panic routing.
 * All methods have empty defaults. Listeners run on the executor given to the builder (by default the thread
 * that caused the event); they must be fast and should not throw — what they throw is logged and dropped.
 *
 * <pre>{@code
 * upstream.addListener(new UpstreamListener() {
 *     public void onStateChange(StateChange e) { alerts.send(e.endpoint().name() + " is " + e.to()); }
 * });
 * }</pre>
 */
public interface UpstreamListener {

    /** An endpoint changed state. */
    default void onStateChange(StateChange event) {
    }

    /** A failed attempt is retried on another endpoint. */
    default void onRetry(Retry event) {
    }

    /** A call failed after all the attempts it was allowed. */
    default void onExhausted(Exhausted event) {
    }

    /** Routing ignored health (too few healthy endpoints), or went back to normal. */
    default void onPanic(Panic event) {
    }

    /**
     * An endpoint changed state.
     *
     * @param upstream upstream name
     * @param endpoint the endpoint
     * @param from     previous state
     * @param to       new state
     * @param cause    why, in words ("3 failed checks: Connection refused", "2 failures within fail_timeout 30s")
     */
    record StateChange(String upstream, Endpoint endpoint, HealthState from, HealthState to, String cause) {
    }

    /**
     * A retry.
     *
     * @param upstream upstream name
     * @param failed   the attempt that failed and is retried
     */
    record Retry(String upstream, AttemptRecord failed) {
    }

    /**
     * A call ran out of attempts.
     *
     * @param upstream upstream name
     * @param attempts every attempt
     * @param reason   why no further attempt was made
     */
    record Exhausted(String upstream, List<AttemptRecord> attempts, String reason) {
    }

    /**
     * Panic routing started ({@code entered}) or ended.
     *
     * @param upstream upstream name
     * @param entered  true when routing now ignores health
     * @param reason   why
     */
    record Panic(String upstream, boolean entered, String reason) {
    }
}
