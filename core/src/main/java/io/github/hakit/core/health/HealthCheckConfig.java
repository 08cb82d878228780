package io.github.hakit.core.health;

import java.time.Duration;
import java.util.Objects;

/**
 * Active health check timing, with HAProxy's meaning and defaults: a probe every {@code inter} (2 s);
 * {@code fall} (3) consecutive failures mark an endpoint DOWN, {@code rise} (2) consecutive successes mark it UP;
 * {@code fastinter} while the state is changing, {@code downinter} while DOWN; each probe is bounded by
 * {@code timeout}.
 *
 * <pre>{@code
 * HealthCheckConfig check = HealthCheckConfig.ofDefaults().toBuilder()
 *     .inter(Duration.ofSeconds(1)).fastInter(Duration.ofMillis(200)).timeout(Duration.ofMillis(500)).build();
 * }</pre>
 */
public record HealthCheckConfig(Duration inter, Duration fastInter, Duration downInter, int rise, int fall,
        Duration timeout) {

    /** HAProxy's default {@code inter}. */
    public static final Duration DEFAULT_INTER = Duration.ofSeconds(2);

    public HealthCheckConfig {
        requirePositive("inter", inter);
        fastInter = fastInter == null ? inter : fastInter;
        downInter = downInter == null ? inter : downInter;
        timeout = timeout == null ? inter : timeout;
        requirePositive("fastinter", fastInter);
        requirePositive("downinter", downInter);
        requirePositive("timeout", timeout);
        if (rise < 1) {
            throw new IllegalArgumentException("rise < 1: " + rise);
        }
        if (fall < 1) {
            throw new IllegalArgumentException("fall < 1: " + fall);
        }
    }

    private static void requirePositive(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(what + " must be > 0: " + d);
        }
        if (d.compareTo(io.github.hakit.core.Endpoint.MAX_DURATION) > 0) {
            // the scheduler works in nanoseconds: ~292 years would overflow it
            throw new IllegalArgumentException(what + " above " + io.github.hakit.core.Endpoint.MAX_DURATION.toDays()
                    + " days: " + d);
        }
    }

    /** {@code inter 2s rise 2 fall 3}, fastinter/downinter/timeout = inter. */
    public static HealthCheckConfig ofDefaults() {
        return new HealthCheckConfig(DEFAULT_INTER, null, null, 2, 3, null);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return ofDefaults().toBuilder();
    }

    /** Builder; fastinter/downinter/timeout left unset follow {@code inter}, as in HAProxy. */
    public static final class Builder {
        private Duration inter;
        private Duration fastInter;
        private Duration downInter;
        private int rise;
        private int fall;
        private Duration timeout;

        private Builder(HealthCheckConfig c) {
            inter = c.inter;
            fastInter = c.fastInter.equals(c.inter) ? null : c.fastInter;
            downInter = c.downInter.equals(c.inter) ? null : c.downInter;
            timeout = c.timeout.equals(c.inter) ? null : c.timeout;
            rise = c.rise;
            fall = c.fall;
        }

        public Builder inter(Duration inter) {
            this.inter = inter;
            return this;
        }

        public Builder fastInter(Duration fastInter) {
            this.fastInter = fastInter;
            return this;
        }

        public Builder downInter(Duration downInter) {
            this.downInter = downInter;
            return this;
        }

        public Builder rise(int rise) {
            this.rise = rise;
            return this;
        }

        public Builder fall(int fall) {
            this.fall = fall;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public HealthCheckConfig build() {
            return new HealthCheckConfig(inter, fastInter, downInter, rise, fall, timeout);
        }
    }
}
