package io.github.hakit.rabbit.spring;

import io.github.hakit.core.UpstreamStatus;
import io.github.hakit.rabbit.ClusterView;
import io.github.hakit.rabbit.RabbitCluster;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Actuator health of a RabbitMQ cluster: UP while at least one node takes traffic (hakit's own checks) and,
 * when the management API is configured, no node reports a partition; details show every node's state as
 * HAProxy's stats page would, plus the management API's view (running, partitions, alarms).
 *
 * <pre>{@code
 * HealthIndicator h = new RabbitHealthIndicator(rabbit);
 * h.health().getStatus(); // UP / DOWN
 * }</pre>
 */
public class RabbitHealthIndicator extends AbstractHealthIndicator {
    private final RabbitCluster cluster;

    public RabbitHealthIndicator(RabbitCluster cluster) {
        super("RabbitMQ health check failed");
        this.cluster = Objects.requireNonNull(cluster, "cluster");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        UpstreamStatus status = cluster.status();
        boolean up = status.available() > 0;
        builder.withDetail("available", status.available()).withDetail("nodes", status.render());
        if (cluster.management().isPresent()) {
            try {
                ClusterView view = cluster.management().get().clusterView();
                Map<String, Object> nodes = new LinkedHashMap<>();
                for (ClusterView.Node n : view.nodes()) {
                    nodes.put(n.name(), Map.of("running", n.running(), "partitions", n.partitions(),
                            "memoryAlarm", n.memoryAlarm(), "diskAlarm", n.diskAlarm()));
                }
                builder.withDetail("cluster", nodes);
                up &= !view.partitioned();
            } catch (Exception e) {
                builder.withDetail("cluster", "management API not answering: " + e.getMessage());
            }
        }
        if (up) {
            builder.up();
        } else {
            builder.down();
        }
    }
}
