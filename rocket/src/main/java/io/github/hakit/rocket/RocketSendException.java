package io.github.hakit.rocket;

import java.time.Duration;
import java.util.List;

/**
 * A send that failed for the caller: every attempt failed, the deadline passed, or the failure was not
 * retriable. Lists each attempt (broker, time, failure) so the cause is visible in one message.
 *
 * <pre>{@code
 * try {
 *     producer.send(message);
 * } catch (RocketSendException e) {
 *     if (e.kind() == SendFailureKind.REJECTED) { ... fix the message ... }
 *     log.warn("send failed after {} attempts", e.attempts().size(), e);
 * }
 * }</pre>
 */
public final class RocketSendException extends Exception {
    private static final long serialVersionUID = 1L;

    private final SendFailureKind kind;
    private final transient List<SendAttempt> attempts;
    private final Duration elapsed;

    public RocketSendException(String topic, SendFailureKind kind, List<SendAttempt> attempts, Duration elapsed,
            Throwable cause) {
        super("send to topic " + topic + " failed (" + kind + ") after " + attempts.size() + " attempt(s) in "
                + elapsed.toMillis() + " ms: " + attempts + (attempts.isEmpty() && cause != null ? " (" + cause + ")" : ""),
                cause);
        this.kind = kind;
        this.attempts = List.copyOf(attempts);
        this.elapsed = elapsed;
    }

    /** The kind of the last failure (the one that ended the call). */
    public SendFailureKind kind() {
        return kind;
    }

    /** Every attempt, in order. */
    public List<SendAttempt> attempts() {
        return attempts;
    }

    /** Time from the call to the failure. */
    public Duration elapsed() {
        return elapsed;
    }
}
