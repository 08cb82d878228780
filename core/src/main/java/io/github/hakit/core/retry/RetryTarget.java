package io.github.hakit.core.retry;

/**
 * Where a retry goes.
 *
 * <pre>{@code
 * NextUpstreamPolicy haproxy = NextUpstreamPolicy.builder().tries(4)           // retries 3
 *     .target(RetryTarget.REDISPATCH).build();                                   // option redispatch
 * }</pre>
 */
public enum RetryTarget {
    /** Nginx's {@code proxy_next_upstream}: every retry goes to an endpoint the call has not tried. */
    NEXT_ENDPOINT,
    /**
     * HAProxy's {@code retries} without {@code option redispatch}: every retry goes to the same server, after
     * {@link NextUpstreamPolicy#sameEndpointDelay()} when the attempt failed with a connection error.
     */
    SAME_ENDPOINT,
    /**
     * HAProxy's {@code option redispatch [interval]} ({@code stream_choose_redispatch} of HAProxy 2.6): a retry
     * goes to another server when the server is no longer running, when the retry number is a multiple of
     * {@link NextUpstreamPolicy#redispatchAfter()} (a negative interval counts from the last retry; the default
     * -1 is the last retry), or, for round-robin balancing with more than one usable primary, on every retry;
     * otherwise to the same server.
     */
    REDISPATCH
}
