package io.github.hakit.core;

import io.github.hakit.core.balance.Balancer;
import java.util.Objects;

/**
 * Per-call options of {@link Upstream#execute(CallOptions, UpstreamCall)}.
 *
 * <pre>{@code
 * upstream.execute(CallOptions.nonIdempotent(), attempt -> upload(attempt));
 * upstream.execute(CallOptions.idempotent().withHashKey(userId), attempt -> read(attempt));
 * }</pre>
 */
public final class CallOptions {
    private static final CallOptions IDEMPOTENT = new CallOptions(true, null);
    private static final CallOptions NON_IDEMPOTENT = new CallOptions(false, null);

    private final boolean idempotent;
    private final String hashKey;

    private CallOptions(boolean idempotent, String hashKey) {
        this.idempotent = idempotent;
        this.hashKey = hashKey;
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
        return new CallOptions(idempotent, Objects.requireNonNull(key, "hashKey"));
    }

    public boolean isIdempotent() {
        return idempotent;
    }

    /** The consistent-hash key, or {@code null}. */
    public String hashKey() {
        return hashKey;
    }

    @Override
    public String toString() {
        return "CallOptions[" + (idempotent ? "idempotent" : "non-idempotent") + (hashKey == null ? "" : ", key=" + hashKey) + "]";
    }
}
