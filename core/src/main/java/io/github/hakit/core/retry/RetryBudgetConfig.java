package io.github.hakit.core.retry;

import java.time.Duration;
import java.util.Objects;

/**
 * A retry budget (Finagle's idea, also in gRPC): retries may add at most {@code percentCanRetry} % to the calls
 * made in the last {@code ttl}, plus {@code minRetriesPerSecond} so a quiet upstream can still retry. During an
 * outage retries therefore cannot multiply the load on the endpoints that are left.
 *
 * @param percentCanRetry     0..1000 percent of calls that may be retried
 * @param minRetriesPerSecond retries always allowed per second, independent of traffic
 * @param ttl                 window over which calls and retries are counted
 */
public record RetryBudgetConfig(int percentCanRetry, int minRetriesPerSecond, Duration ttl) {

    public RetryBudgetConfig {
        if (percentCanRetry < 0 || percentCanRetry > 1000) {
            throw new IllegalArgumentException("percentCanRetry out of range 0..1000: " + percentCanRetry);
        }
        if (minRetriesPerSecond < 0) {
            throw new IllegalArgumentException("minRetriesPerSecond < 0: " + minRetriesPerSecond);
        }
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("ttl out of range 1s..60s: " + ttl);
        }
    }

    /** Finagle's defaults: 20 %, 10 retries per second, over 10 s. */
    public static RetryBudgetConfig ofDefaults() {
        return new RetryBudgetConfig(20, 10, Duration.ofSeconds(10));
    }

    /** No budget: every retry the policy allows is made. */
    public static RetryBudgetConfig unlimited() {
        return new RetryBudgetConfig(1000, Integer.MAX_VALUE / 120, Duration.ofSeconds(1));
    }
}
