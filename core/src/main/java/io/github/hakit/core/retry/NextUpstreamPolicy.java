package io.github.hakit.core.retry;

import io.github.hakit.core.FailureKind;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * When and how a failed call moves on to the next endpoint, with the meaning of Nginx's
 * {@code proxy_next_upstream}, {@code proxy_next_upstream_tries} and {@code proxy_next_upstream_timeout} (and of
 * HAProxy's {@code retries} / {@code option redispatch} through {@link #target()}).
 *
 * <pre>{@code
 * NextUpstreamPolicy policy = NextUpstreamPolicy.builder()
 *     .conditions(FailureKind.ERROR, FailureKind.TIMEOUT, FailureKind.HTTP_502)
 *     .tries(3).timeout(Duration.ofSeconds(5)).attemptTimeout(Duration.ofSeconds(2))
 *     .shareDeadline(Duration.ofMillis(300))   // a slow first endpoint cannot use the whole 5 s
 *     .build();
 * }</pre>
 *
 * <p>Nginx's rules apply to every attempt: a failure whose kind is not in {@code conditions} ends the call; a
 * non-idempotent call is not retried once its request may have been sent unless {@code nonIdempotent}; a call
 * makes at most {@code tries} attempts (0: one per endpoint), within {@code timeout}. A response handed back to
 * the caller (the last allowed try, or one that may not be retried) counts as a success for passive health, even
 * when its kind is in {@code conditions}, as Nginx frees that peer without {@code NGX_PEER_FAILED}; an error
 * (exception) always counts as a failure.
 *
 * @param conditions        failure kinds that move the call to another endpoint (Nginx default: error, timeout);
 *                          empty = Nginx's {@code off}
 * @param tries             maximum attempts per call, 0 = no limit (each endpoint at most once per round)
 * @param timeout           overall deadline per call, {@link Duration#ZERO} = none
 * @param attemptTimeout    per-attempt timeout handed to the call ({@link io.github.hakit.core.Attempt#timeout()}),
 *                          bounded by what is left of {@code timeout}
 * @param connectTimeout    connect timeout handed to the call ({@link io.github.hakit.core.Attempt#connectTimeout()},
 *                          Nginx's {@code proxy_connect_timeout}); at most the attempt timeout
 * @param nonIdempotent     retry a non-idempotent call even after its request may have reached an endpoint
 * @param rounds            passes over the endpoints per call (Nginx: 1); later rounds wait {@code backoff}
 * @param backoff           wait before round 2, 3, ... (resilience4j {@link IntervalFunction}, called with the
 *                          round number starting at 1)
 * @param budget            retry budget shared by all calls of the upstream
 * @param target            where retries go: another endpoint (Nginx) or, HAProxy-style, the same one
 * @param redispatchAfter   HAProxy's {@code option redispatch <interval>} for {@link RetryTarget#REDISPATCH}
 *                          (-1: the last retry), not 0
 * @param sameEndpointDelay wait before retrying the same endpoint after a connection error (HAProxy's turn-around
 *                          timer: {@code min(1s, timeout connect)}); zero = none
 * @param shareDeadline     when not zero, the overall {@code timeout} is shared across the attempts: attempt
 *                          {@code n} of {@code tries} gets {@code remaining / triesLeft}, at least this much, and the
 *                          last attempt all that remains (apache/rocketmq#4720)
 */
public record NextUpstreamPolicy(Set<FailureKind> conditions, int tries, Duration timeout, Duration attemptTimeout,
        Duration connectTimeout, boolean nonIdempotent, int rounds, IntervalFunction backoff,
        RetryBudgetConfig budget, RetryTarget target, int redispatchAfter, Duration sameEndpointDelay,
        Duration shareDeadline) {

    /** Default per-attempt timeout. */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
    /** Largest accepted duration: 100 years (nanosecond clocks overflow at 292). */
    public static final Duration MAX_DURATION = Duration.ofDays(36_500);

    public NextUpstreamPolicy {
        conditions = conditions == null || conditions.isEmpty()
                ? Set.of() : Set.copyOf(EnumSet.copyOf(conditions));
        if (tries < 0) {
            throw new IllegalArgumentException("tries < 0: " + tries);
        }
        timeout = bounded("timeout", timeout, true);
        attemptTimeout = bounded("attemptTimeout", attemptTimeout, false);
        connectTimeout = connectTimeout == null ? attemptTimeout : bounded("connectTimeout", connectTimeout, false);
        if (connectTimeout.compareTo(attemptTimeout) > 0) {
            connectTimeout = attemptTimeout;
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds < 1: " + rounds);
        }
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(budget, "budget");
        target = target == null ? RetryTarget.NEXT_ENDPOINT : target;
        if (redispatchAfter == 0) {
            throw new IllegalArgumentException("redispatchAfter must not be 0 (HAProxy: -1 = last retry)");
        }
        sameEndpointDelay = sameEndpointDelay == null ? Duration.ZERO
                : bounded("sameEndpointDelay", sameEndpointDelay, true);
        shareDeadline = shareDeadline == null ? Duration.ZERO : bounded("shareDeadline", shareDeadline, true);
    }

    static Duration bounded(String what, Duration d, boolean zeroAllowed) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new IllegalArgumentException(what + (zeroAllowed ? " < 0: " : " must be > 0: ") + d);
        }
        if (d.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(what + " above " + MAX_DURATION.toDays() + " days: " + d);
        }
        return d;
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
        b.connectTimeout = connectTimeout.equals(attemptTimeout) ? null : connectTimeout;
        b.nonIdempotent = nonIdempotent;
        b.rounds = rounds;
        b.backoff = backoff;
        b.budget = budget;
        b.target = target;
        b.redispatchAfter = redispatchAfter;
        b.sameEndpointDelay = sameEndpointDelay;
        b.shareDeadline = shareDeadline;
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
        private Duration connectTimeout;
        private boolean nonIdempotent;
        private int rounds = 1;
        private IntervalFunction backoff = IntervalFunction.ofExponentialBackoff(Duration.ofMillis(100), 2.0,
                Duration.ofSeconds(2));
        private RetryBudgetConfig budget = RetryBudgetConfig.ofDefaults();
        private RetryTarget target = RetryTarget.NEXT_ENDPOINT;
        private int redispatchAfter = -1;
        private Duration sameEndpointDelay = Duration.ZERO;
        private Duration shareDeadline = Duration.ZERO;

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

        /** Connect timeout per attempt (default: the attempt timeout). */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
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

        /** Where retries go (default: another endpoint, as Nginx). */
        public Builder target(RetryTarget target) {
            this.target = Objects.requireNonNull(target, "target");
            return this;
        }

        /** HAProxy's {@code option redispatch <interval>} (default -1: the last retry). */
        public Builder redispatchAfter(int interval) {
            this.redispatchAfter = interval;
            return this;
        }

        /** Wait before retrying the same endpoint after a connection error (HAProxy: min(1 s, timeout connect)). */
        public Builder sameEndpointDelay(Duration delay) {
            this.sameEndpointDelay = delay;
            return this;
        }

        /**
         * Shares the overall {@link #timeout(Duration)} across attempts, each getting at least {@code minAttempt}
         * (zero: off, every attempt gets the attempt timeout).
         */
        public Builder shareDeadline(Duration minAttempt) {
            this.shareDeadline = minAttempt;
            return this;
        }

        public NextUpstreamPolicy build() {
            return new NextUpstreamPolicy(conditions, tries, timeout, attemptTimeout, connectTimeout, nonIdempotent,
                    rounds, backoff, budget, target, redispatchAfter, sameEndpointDelay, shareDeadline);
        }
    }
}
