package io.github.hakit.core;

import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * Per-call options of {@link Upstream#execute(CallOptions, UpstreamCall)}.
 *
 * <pre>{@code
 * upstream.execute(CallOptions.nonIdempotent(), attempt -> upload(attempt));
 * upstream.execute(CallOptions.idempotent().withHashKey(userId), attempt -> read(attempt));
 * upstream.execute(CallOptions.idempotent().withTimeout(Duration.ofSeconds(10)), attempt -> send(attempt));
 * }</pre>
 */
public final class CallOptions {
    private static final CallOptions IDEMPOTENT = new CallOptions(true, null, null);
    private static final CallOptions NON_IDEMPOTENT = new CallOptions(false, null, null);

    private final boolean idempotent;
    private final String hashKey;
    private final Duration timeout;

    private CallOptions(boolean idempotent, String hashKey, Duration timeout) {
        this.idempotent = idempotent;
        this.hashKey = hashKey;
        this.timeout = timeout;
    }

    /** Safe to repeat on another endpoint even after the request may have been sent (reads, probes). */
    public static CallOptions idempotent() {
        return IDEMPOTENT;
    }

    /** Not retried once its request may have reached an endpoint, unless the policy says {@code non_idempotent}. */
    public static CallOptions nonIdempotent() {
        return NON_IDEMPOTENT;
    }

    /** The same options with a key for {@link Balancer#CONSISTENT_HASH}. */
    public CallOptions withHashKey(String key) {
        return new CallOptions(idempotent, Objects.requireNonNull(key, "hashKey"), timeout);
    }

    /**
     * The same options with this call's own overall deadline, in place of the policy's
     * {@link NextUpstreamPolicy#timeout()} (Nginx's {@code proxy_next_upstream_timeout}) for this call only: longer
     * or shorter. Attempts still get at most the policy's attempt timeout each.
     *
     * @throws IllegalArgumentException when {@code timeout} is not positive
     */
    public CallOptions withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return new CallOptions(idempotent, hashKey, timeout);
    }

    public boolean isIdempotent() {
        return idempotent;
    }

    /** The consistent-hash key, or {@code null}. */
    public String hashKey() {
        return hashKey;
    }

    /** This call's own overall deadline, or {@code null} for the policy's. */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public String toString() {
        return "CallOptions[" + (idempotent ? "idempotent" : "non-idempotent") + (hashKey == null ? "" : ", key=" + hashKey)
                + (timeout == null ? "" : ", timeout=" + timeout.toMillis() + " ms") + "]";
    }
}
