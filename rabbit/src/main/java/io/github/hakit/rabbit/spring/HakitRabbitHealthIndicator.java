package io.github.hakit.rabbit.spring;

import io.github.hakit.core.Secrets;
import io.github.hakit.core.spring.UpstreamHealth;
import io.github.hakit.rabbit.ClusterView;
import io.github.hakit.rabbit.RabbitCluster;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * Actuator health of a RabbitMQ cluster as hakit routes to it (contributor name {@code hakitRabbit}, beside Spring
 * Boot's own {@code rabbit}). The rule ({@link UpstreamHealth}): UP while at least one node takes traffic, DOWN when
 * none does (UNKNOWN instead for an optional cluster, {@code hakit.rabbit.health.required=false}). With the
 * management API configured, a partition also makes it DOWN. Details: one object per node ({@code state},
 * {@code checkStatus}, {@code fails}, {@code weight}, …) and the management API's view per node.
 *
 * <pre>{@code
 * HealthIndicator h = new HakitRabbitHealthIndicator(rabbit, true);
 * h.health().getStatus(); // UP / DOWN
 * }</pre>
 */
public class HakitRabbitHealthIndicator extends AbstractHealthIndicator {
    private final RabbitCluster cluster;
    private final boolean required;

    public HakitRabbitHealthIndicator(RabbitCluster cluster, boolean required) {
        super("RabbitMQ health check failed");
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.required = required;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        UpstreamHealth.apply(builder, cluster.status(), required);
        if (cluster.management().isPresent()) {
            try {
                ClusterView view = cluster.management().get().clusterView();
                Map<String, Object> nodes = new LinkedHashMap<>();
                for (ClusterView.Node n : view.nodes()) {
                    nodes.put(n.name(), Map.of("running", n.running(), "partitions", n.partitions(),
                            "memoryAlarm", n.memoryAlarm(), "diskAlarm", n.diskAlarm()));
                }
                builder.withDetail("cluster", nodes);
                if (view.partitioned()) {
                    builder.status(required ? Status.DOWN : Status.UNKNOWN)
                            .withDetail("reason", "the management API reports a network partition");
                }
            } catch (Exception e) {
                builder.withDetail("cluster", "management API not answering: " + Secrets.message(e));
            }
        }
    }
}
