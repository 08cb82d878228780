package io.github.hakit.core.internal;

import io.github.hakit.core.FailureClassifier;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.Sleeper;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import java.util.concurrent.ScheduledExecutorService;

/** What the next-upstream loop needs from its upstream. Not API. */
public interface Engine {
    String name();

    Pool pool();

    NextUpstreamPolicy policy();

    FailureClassifier classifier();

    RetryBudget budget();

    Sleeper sleeper();

    /** For backoff in asynchronous calls. */
    ScheduledExecutorService scheduler();

    /** Whether the balancer is of HAProxy's round-robin kind (redispatch on every retry). */
    boolean roundRobinKind();

    /** The attempt on {@code n} succeeded (or was handed back) at {@code nanos} after {@code latencyNanos}. */
    void success(Node n, long latencyNanos, long nanos);

    void failure(Node n, FailureKind kind, long latencyNanos);

    void release(Node n);

    /** The endpoints and their states, for "no live endpoints" messages. */
    String describeStates();
}
