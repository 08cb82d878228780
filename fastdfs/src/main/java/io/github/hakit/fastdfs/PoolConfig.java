package io.github.hakit.fastdfs;

import java.time.Duration;
import java.util.Objects;

/**
 * Connection pooling per tracker/storage endpoint.
 *
 * <pre>{@code
 * PoolConfig pool = PoolConfig.ofDefaults().toBuilder().maxPerEndpoint(32).build();
 * }</pre>
 *
 * @param maxPerEndpoint most connections (idle + in use) to one endpoint; default 16
 * @param borrowTimeout how long a call waits for a free connection slot; default 5 s
 * @param validateAfterIdle an idle connection older than this is checked with ACTIVE_TEST before use; default 2 s
 * @param maxIdle idle connections older than this are closed (FastDFS servers drop idle connections after
 *     their network_timeout); default 30 s
 */
public record PoolConfig(int maxPerEndpoint, Duration borrowTimeout, Duration validateAfterIdle, Duration maxIdle) {
    public PoolConfig {
        if (maxPerEndpoint < 1) {
            throw new IllegalArgumentException("maxPerEndpoint < 1: " + maxPerEndpoint);
        }
        positive(borrowTimeout, "borrowTimeout");
        Objects.requireNonNull(validateAfterIdle, "validateAfterIdle");
        if (validateAfterIdle.isNegative()) {
            throw new IllegalArgumentException("validateAfterIdle < 0: " + validateAfterIdle);
        }
        positive(maxIdle, "maxIdle");
    }

    public static PoolConfig ofDefaults() {
        return new PoolConfig(16, Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(30));
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be > 0: " + d);
        }
        return d;
    }

    /** Builder for {@link PoolConfig}. */
    public static final class Builder {
        private int maxPerEndpoint;
        private Duration borrowTimeout;
        private Duration validateAfterIdle;
        private Duration maxIdle;

        private Builder(PoolConfig base) {
            maxPerEndpoint = base.maxPerEndpoint;
            borrowTimeout = base.borrowTimeout;
            validateAfterIdle = base.validateAfterIdle;
            maxIdle = base.maxIdle;
        }

        public Builder maxPerEndpoint(int n) {
            this.maxPerEndpoint = n;
            return this;
        }

        public Builder borrowTimeout(Duration d) {
            this.borrowTimeout = d;
            return this;
        }

        public Builder validateAfterIdle(Duration d) {
            this.validateAfterIdle = d;
            return this;
        }

        public Builder maxIdle(Duration d) {
            this.maxIdle = d;
            return this;
        }

        public PoolConfig build() {
            return new PoolConfig(maxPerEndpoint, borrowTimeout, validateAfterIdle, maxIdle);
        }
    }
}
