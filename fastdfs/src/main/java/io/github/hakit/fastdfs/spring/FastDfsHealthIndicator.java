package io.github.hakit.fastdfs.spring;

import io.github.hakit.fastdfs.ClusterView;
import io.github.hakit.fastdfs.FastDfsClient;
import io.github.hakit.fastdfs.GroupView;
import io.github.hakit.fastdfs.StorageView;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Actuator health of a FastDFS cluster from {@link FastDfsClient#clusterView()}: UP when a tracker answers
 * and every group has an ACTIVE storage, DOWN otherwise; details list each group's storages and states and
 * the tracker upstream.
 *
 * <pre>{@code
 * HealthIndicator h = new FastDfsHealthIndicator(client);
 * h.health().getStatus(); // UP / DOWN
 * }</pre>
 */
public class FastDfsHealthIndicator extends AbstractHealthIndicator {
    private final FastDfsClient client;

    public FastDfsHealthIndicator(FastDfsClient client) {
        super("FastDFS health check failed");
        this.client = client;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        ClusterView view = client.clusterView();
        boolean up = !view.groups().isEmpty();
        Map<String, Object> groups = new LinkedHashMap<>();
        for (GroupView g : view.groups()) {
            Map<String, String> storages = new LinkedHashMap<>();
            for (StorageView s : g.storages()) {
                storages.put(s.address(), s.status().name());
            }
            groups.put(g.name(), Map.of("active", g.activeCount(), "storages", storages));
            up &= g.activeCount() > 0;
        }
        (up ? builder.up() : builder.down())
                .withDetail("tracker", view.tracker())
                .withDetail("layout", view.layout().name())
                .withDetail("groups", groups)
                .withDetail("trackers", client.trackers().status().render());
    }
}
