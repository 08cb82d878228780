package io.github.hakit.core;

import java.time.Duration;

/**
 * One attempt of a call on one endpoint, handed to {@link UpstreamCall#call(Attempt)}.
 */
public interface Attempt {
    /** The endpoint to call. */
    Endpoint endpoint();

    /** 1 for the first attempt, 2 for the first retry, ... */
    int number();

    /**
     * The time this attempt may take: the policy's attempt timeout, bounded by what is left of the call's overall
     * timeout. Apply it to connect and read timeouts.
     */
    Duration timeout();

    /**
     * The connect timeout for this attempt (Nginx's {@code proxy_connect_timeout}): the policy's connect timeout,
     * at most {@link #timeout()}.
     */
    default Duration connectTimeout() {
        return timeout();
    }

    /** Whether this is a retry. */
    default boolean isRetry() {
        return number() > 1;
    }
}
