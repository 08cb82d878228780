package io.github.hakit.rocket;

import java.time.Duration;
import java.util.Optional;

/**
 * One try of a send: the broker it went to, how long it took, and its failure (empty for the attempt
 * that succeeded).
 *
 * @param brokerName the broker group tried, or {@code "-"} when none could be chosen
 * @param queueId    the queue tried, or -1
 * @param took       how long the attempt took
 * @param timeout    the share of the deadline the attempt was given
 * @param failure    the failure kind, or null for success
 * @param error      what was thrown (or a description of a non-OK status), or null
 */
public record SendAttempt(String brokerName, int queueId, Duration took, Duration timeout, SendFailureKind failure,
        Throwable error) {

    /** The failure, if this attempt failed. */
    public Optional<SendFailureKind> failureKind() {
        return Optional.ofNullable(failure);
    }

    @Override
    public String toString() {
        return brokerName + (queueId >= 0 ? "#" + queueId : "") + " " + took.toMillis() + "/" + timeout.toMillis()
                + " ms " + (failure == null ? "OK" : failure + (error != null ? " (" + error + ")" : ""));
    }
}
