package io.github.hakit.dubbo;

import java.time.Duration;
import java.util.Objects;
import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.Endpoint;

/**
 * hakit's settings for a Dubbo consumer application; install with
 * {@link HakitDubbo#installConsumer(org.apache.dubbo.rpc.model.ApplicationModel, ConsumerOptions)} and select
 * the {@value HakitDubbo#CLUSTER} cluster on the references that should use it.
 *
 * <pre>{@code
 * ConsumerOptions options = ConsumerOptions.builder()
 *     .zone("region-2")                                   // own-zone providers via internal address, first
 *     .maxFails(2).failTimeout(Duration.ofSeconds(30))    // nginx: max_fails=2 fail_timeout=30s
 *     .build();
 * }</pre>
 *
 * <p>Provider weights come from Dubbo's own {@code weight} parameter (default 100), applied with Nginx's
 * smooth weighted round robin. Retries follow Nginx's next-upstream rules: a failed attempt moves to a
 * different provider, at most {@code retries + 1} attempts (Dubbo's {@code retries}, default 2); a call
 * marked non-idempotent is not retried once its request may have reached a provider.
 *
 * @param zone the consumer's zone, empty for none (then every provider is equal and the listener does
 *     not rewrite addresses)
 * @param preferZone use other zones' providers only when no own-zone provider is usable (default true)
 * @param maxFails Nginx {@code max_fails}: failures within {@code failTimeout} that take a provider out
 * @param failTimeout Nginx {@code fail_timeout}: the counting window and the time out
 * @param balancer how a provider is picked among the usable ones
 * @param idempotent whether calls may be repeated on another provider after their request may have been
 *     sent (Dubbo's failover assumes so; default true)
 */
public record ConsumerOptions(String zone, boolean preferZone, int maxFails, Duration failTimeout, Balancer balancer,
        boolean idempotent) {

    public ConsumerOptions {
        zone = zone == null ? "" : zone.trim();
        if (maxFails < 0) {
            throw new IllegalArgumentException("maxFails < 0: " + maxFails);
        }
        Objects.requireNonNull(failTimeout, "failTimeout");
        if (failTimeout.isNegative()) {
            throw new IllegalArgumentException("failTimeout < 0: " + failTimeout);
        }
        Objects.requireNonNull(balancer, "balancer");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; defaults: no zone, Nginx's max_fails=1 fail_timeout=10s, round robin, idempotent. */
    public static final class Builder {
        private String zone = "";
        private boolean preferZone = true;
        private int maxFails = Endpoint.DEFAULT_MAX_FAILS;
        private Duration failTimeout = Endpoint.DEFAULT_FAIL_TIMEOUT;
        private Balancer balancer = Balancer.ROUND_ROBIN;
        private boolean idempotent = true;

        private Builder() {
        }

        public Builder zone(String zone) {
            this.zone = zone;
            return this;
        }

        public Builder preferZone(boolean preferZone) {
            this.preferZone = preferZone;
            return this;
        }

        public Builder maxFails(int maxFails) {
            this.maxFails = maxFails;
            return this;
        }

        public Builder failTimeout(Duration failTimeout) {
            this.failTimeout = failTimeout;
            return this;
        }

        public Builder balancer(Balancer balancer) {
            this.balancer = balancer;
            return this;
        }

        public Builder idempotent(boolean idempotent) {
            this.idempotent = idempotent;
            return this;
        }

        public ConsumerOptions build() {
            return new ConsumerOptions(zone, preferZone, maxFails, failTimeout, balancer, idempotent);
        }
    }
}
