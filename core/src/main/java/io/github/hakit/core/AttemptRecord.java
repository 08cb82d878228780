package io.github.hakit.core;

import java.time.Duration;

/**
 * What happened on one failed attempt, as listed by {@link UpstreamCallException#attempts()}.
 *
 * @param endpoint               where the attempt went
 * @param number                 1-based attempt number
 * @param kind                   the classified failure
 * @param error                  what the call threw, or {@code null} for a failed result (e.g. HTTP 502)
 * @param elapsed                how long the attempt took
 * @param requestMayHaveBeenSent whether the endpoint may have received the request
 */
public record AttemptRecord(Endpoint endpoint, int number, FailureKind kind, Throwable error, Duration elapsed,
        boolean requestMayHaveBeenSent) {

    @Override
    public String toString() {
        String what = error == null ? "failed result" : error.getClass().getSimpleName() + ": " + error.getMessage();
        return "#" + number + " " + endpoint.address() + " " + kind.nginxName() + " (" + what + ") after "
                + elapsed.toMillis() + " ms";
    }
}
