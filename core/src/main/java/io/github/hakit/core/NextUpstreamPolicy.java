package io.github.hakit.core;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * When and how a failed call moves on to the next endpoint, with the meaning of Nginx's
 * {@code proxy_next_upstream}, {@code proxy_next_upstream_tries} and {@code proxy_next_upstream_timeout}.
 *
 * <pre>{@code
 * NextUpstreamPolicy policy = NextUpstreamPolicy.builder()
 *     .conditions(FailureKind.ERROR, FailureKind.TIMEOUT, FailureKind.HTTP_502)
 *     .tries(3).timeout(Duration.ofSeconds(5)).attemptTimeout(Duration.ofSeconds(2))
 *     .build();
 * }</pre>
 *
 * @param conditions     failure kinds that move the call to another endpoint (Nginx default: error, timeout);
 *                       empty = Nginx's {@code off}
 * @param tries          maximum attempts per call, 0 = no limit (each endpoint at most once per round)
 * @param timeout        overall deadline per call, {@link Duration#ZERO} = none
 * @param attemptTimeout per-attempt timeout handed to the call ({@link Attempt#timeout()}), bounded by what is
 *                       left of {@code timeout}
 * @param nonIdempotent  retry a non-idempotent call even after its request may have reached an endpoint
 * @param rounds         passes over the endpoints per call (Nginx: 1); later rounds wait {@code backoff}
 * @param backoff        wait before round 2, 3, ... (resilience4j {@link IntervalFunction}, called with the round
 *                       number starting at 1)
 * @param budget         retry budget shared by all calls of the upstream
 */
public record NextUpstreamPolicy(Set<FailureKind> conditions, int tries, Duration timeout, Duration attemptTimeout,
        boolean nonIdempotent, int rounds, IntervalFunction backoff, RetryBudgetConfig budget) {

    /** Default per-attempt timeout. */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);

    public NextUpstreamPolicy {
        conditions = conditions == null || conditions.isEmpty()
                ? Set.of() : Set.copyOf(EnumSet.copyOf(conditions));
        if (tries < 0) {
            throw new IllegalArgumentException("tries < 0: " + tries);
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout < 0: " + timeout);
        }
        Objects.requireNonNull(attemptTimeout, "attemptTimeout");
        if (attemptTimeout.isZero() || attemptTimeout.isNegative()) {
            throw new IllegalArgumentException("attemptTimeout must be > 0: " + attemptTimeout);
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds < 1: " + rounds);
        }
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(budget, "budget");
    }

    /** Nginx's defaults: {@code error timeout}, unlimited tries, no overall timeout, one round. */
    public static NextUpstreamPolicy ofDefaults() {
        return builder().build();
    }

    /** Nginx's {@code proxy_next_upstream off}: a failed call is not retried. */
    public static NextUpstreamPolicy off() {
        return builder().conditions(EnumSet.noneOf(FailureKind.class)).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.conditions = conditions.isEmpty() ? EnumSet.noneOf(FailureKind.class) : EnumSet.copyOf(conditions);
        b.tries = tries;
        b.timeout = timeout;
        b.attemptTimeout = attemptTimeout;
        b.nonIdempotent = nonIdempotent;
        b.rounds = rounds;
        b.backoff = backoff;
        b.budget = budget;
        return b;
    }

    /** Whether a failure of {@code kind} moves the call on. */
    public boolean retriesOn(FailureKind kind) {
        return conditions.contains(kind);
    }

    /** Builder with Nginx's defaults. */
    public static final class Builder {
        private Set<FailureKind> conditions = EnumSet.of(FailureKind.ERROR, FailureKind.TIMEOUT);
        private int tries;
        private Duration timeout = Duration.ZERO;
        private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT;
        private boolean nonIdempotent;
        private int rounds = 1;
        private IntervalFunction backoff = IntervalFunction.ofExponentialBackoff(Duration.ofMillis(100), 2.0,
                Duration.ofSeconds(2));
        private RetryBudgetConfig budget = RetryBudgetConfig.ofDefaults();

        private Builder() {
        }

        public Builder conditions(Set<FailureKind> conditions) {
            this.conditions = EnumSet.noneOf(FailureKind.class);
            this.conditions.addAll(Objects.requireNonNull(conditions, "conditions"));
            return this;
        }

        public Builder conditions(FailureKind... conditions) {
            return conditions(Set.of(conditions));
        }

        public Builder tries(int tries) {
            this.tries = tries;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder attemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = attemptTimeout;
            return this;
        }

        public Builder nonIdempotent(boolean nonIdempotent) {
            this.nonIdempotent = nonIdempotent;
            return this;
        }

        public Builder rounds(int rounds) {
            this.rounds = rounds;
            return this;
        }

        public Builder backoff(IntervalFunction backoff) {
            this.backoff = backoff;
            return this;
        }

        public Builder budget(RetryBudgetConfig budget) {
            this.budget = budget;
            return this;
        }

        public NextUpstreamPolicy build() {
            return new NextUpstreamPolicy(conditions, tries, timeout, attemptTimeout, nonIdempotent, rounds, backoff,
                    budget);
        }
    }
}
