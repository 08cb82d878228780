package io.github.hakit.rocket.spring;

import io.github.hakit.core.spring.UpstreamHealth;
import io.github.hakit.rocket.ClusterView;
import io.github.hakit.rocket.NameServerGroup;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Actuator health of a RocketMQ cluster as a {@link NameServerGroup} sees it (contributor {@code hakitRocket}). The
 * rule ({@link UpstreamHealth}): DOWN only when nothing can take a send — no NameServer passes its checks, or no
 * broker group has a master; UP otherwise, also while a group runs on its slave alone (sends go to the other
 * groups, its messages are read from the slave); UNKNOWN before any NameServer has told which brokers exist. An
 * optional cluster ({@code hakit.rocket.health.required=false}) shows UNKNOWN where a required one is DOWN.
 * Details: one object per NameServer ({@code state}, {@code checkStatus}, {@code fails}, …) and each broker group's
 * master and slaves.
 *
 * <pre>{@code
 * HealthIndicator h = new RocketHealthIndicator(nameServers, true);
 * h.health().getStatus(); // UP / DOWN / UNKNOWN
 * }</pre>
 */
public class RocketHealthIndicator extends AbstractHealthIndicator {
    private final NameServerGroup nameServers;
    private final boolean required;

    public RocketHealthIndicator(NameServerGroup nameServers, boolean required) {
        super("RocketMQ health check failed");
        this.nameServers = Objects.requireNonNull(nameServers, "nameServers");
        this.required = required;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        UpstreamHealth.apply(builder, nameServers.upstream().status(), required);
        ClusterView view = nameServers.clusterView();
        Map<String, Object> brokers = new LinkedHashMap<>();
        long writable = 0;
        for (ClusterView.BrokerGroup g : view.brokers().values()) {
            brokers.put(g.name(), Map.of("master", g.master().orElse("(none)"), "slaves", g.slaves().values(),
                    "writable", g.writable()));
            writable += g.writable() ? 1 : 0;
        }
        builder.withDetail("brokers", brokers);
        if (!view.observedAt().equals(Instant.EPOCH)) {
            builder.withDetail("observedAt", view.observedAt().toString());
        }
        if (nameServers.upstream().status().available() == 0) {
            builder.withDetail("reason", "no NameServer passes its checks");
        } else if (view.observedAt().equals(Instant.EPOCH)) {
            builder.unknown();
        } else if (writable == 0) {
            builder.status(UpstreamHealth.status(false, required)).withDetail("reason", "no broker group has a master");
        }
    }
}
