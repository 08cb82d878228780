package io.github.hakit.rocket.internal;

import java.time.Duration;

/**
 * Splits a call's deadline over its attempts so that a slow first broker cannot use the whole budget
 * (apache/rocketmq#4720): attempt {@code n} of {@code tries} gets {@code remaining / triesLeft}, but
 * never less than {@code minAttempt} (nor more than what remains); the last attempt gets all that remains.
 */
public final class AttemptBudget {
    private AttemptBudget() {
    }

    /**
     * @param remainingNanos time left before the deadline
     * @param triesLeft      attempts still allowed, including this one (>= 1)
     * @param minAttempt     the smallest useful attempt timeout
     * @return the timeout for this attempt in milliseconds (>= 1), or 0 when no time is left
     */
    public static long attemptMillis(long remainingNanos, int triesLeft, Duration minAttempt) {
        if (remainingNanos <= 0) {
            return 0;
        }
        long remainingMillis = Math.max(1, remainingNanos / 1_000_000);
        if (triesLeft <= 1) {
            return remainingMillis;
        }
        long share = remainingMillis / triesLeft;
        return Math.min(remainingMillis, Math.max(share, minAttempt.toMillis()));
    }
}
