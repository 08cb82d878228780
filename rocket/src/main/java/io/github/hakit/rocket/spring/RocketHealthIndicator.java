package io.github.hakit.rocket.spring;

import io.github.hakit.rocket.ClusterView;
import io.github.hakit.rocket.NameServerGroup;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Actuator health of a RocketMQ cluster as a {@link NameServerGroup} sees it: DOWN when no NameServer passes its
 * checks or when no broker group has a master (nothing can take a send); UP otherwise, also while a group runs on
 * its slave alone (sends go to the other groups, its messages are read from the slave); UNKNOWN before any
 * NameServer has told which brokers exist. Details: each NameServer's state text and each broker group's master
 * and slaves.
 *
 * <pre>{@code
 * HealthIndicator h = new RocketHealthIndicator(nameServers);
 * h.health().getStatus(); // UP / DOWN / UNKNOWN
 * }</pre>
 */
public class RocketHealthIndicator extends AbstractHealthIndicator {
    private final NameServerGroup nameServers;

    public RocketHealthIndicator(NameServerGroup nameServers) {
        super("RocketMQ health check failed");
        this.nameServers = Objects.requireNonNull(nameServers, "nameServers");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        ClusterView view = nameServers.clusterView();
        long available = nameServers.upstream().status().available();
        Map<String, String> servers = new LinkedHashMap<>();
        view.nameServers().forEach(s -> servers.put(s.address(), s.state()));
        Map<String, Object> brokers = new LinkedHashMap<>();
        long writable = 0;
        for (ClusterView.BrokerGroup g : view.brokers().values()) {
            brokers.put(g.name(), Map.of("master", g.master().orElse("(none)"), "slaves", g.slaves().values(),
                    "writable", g.writable()));
            writable += g.writable() ? 1 : 0;
        }
        builder.withDetail("nameServers", servers).withDetail("brokers", brokers);
        if (!view.observedAt().equals(Instant.EPOCH)) {
            builder.withDetail("observedAt", view.observedAt().toString());
        }
        if (available == 0) {
            builder.down().withDetail("reason", "no NameServer passes its checks");
        } else if (view.observedAt().equals(Instant.EPOCH)) {
            builder.unknown();
        } else if (writable == 0) {
            builder.down().withDetail("reason", "no broker group has a master");
        } else {
            builder.up();
        }
    }
}
