package io.github.hakit.fastdfs.spring;

import io.github.hakit.core.Secrets;
import io.github.hakit.core.spring.UpstreamHealth;
import io.github.hakit.fastdfs.ClusterView;
import io.github.hakit.fastdfs.FastDfsClient;
import io.github.hakit.fastdfs.GroupView;
import io.github.hakit.fastdfs.StorageView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Actuator health of a FastDFS cluster (contributor {@code hakitFastdfs}). The rule ({@link UpstreamHealth}): DOWN
 * only when nothing can be stored or read — no tracker usable, no tracker answering, or no group with an ACTIVE
 * storage; a group without an ACTIVE storage while others have one leaves the cluster UP and is named in
 * {@code groupsWithoutActiveStorage}. An optional cluster ({@code hakit.fastdfs.health.required=false}) shows
 * UNKNOWN where a required one is DOWN. Details: one object per tracker ({@code state}, {@code checkStatus},
 * {@code fails}, …) and per storage ({@code status}, {@code id}, {@code lastHeartbeat}) of each group.
 *
 * <pre>{@code
 * HealthIndicator h = new FastDfsHealthIndicator(client, true);
 * h.health().getStatus(); // UP / DOWN
 * }</pre>
 */
public class FastDfsHealthIndicator implements HealthIndicator {
    private final FastDfsClient client;
    private final boolean required;

    public FastDfsHealthIndicator(FastDfsClient client, boolean required) {
        this.client = Objects.requireNonNull(client, "client");
        this.required = required;
    }

    @Override
    public Health health() {
        Health.Builder builder = Health.up();
        UpstreamHealth.apply(builder, client.trackers().status(), required);
        ClusterView view;
        try {
            view = client.clusterView();
        } catch (RuntimeException e) {
            return builder.status(UpstreamHealth.status(false, required))
                    .withDetail("reason", "no tracker answered: " + Secrets.message(e)).build();
        }
        Map<String, Object> groups = new LinkedHashMap<>();
        List<String> withoutActive = new ArrayList<>();
        for (GroupView g : view.groups()) {
            Map<String, Object> storages = new LinkedHashMap<>();
            for (StorageView s : g.storages()) {
                Map<String, Object> node = new LinkedHashMap<>();
                node.put("status", s.status().name());
                node.put("id", s.id());
                node.put("lastHeartbeat", String.valueOf(s.lastHeartbeat()));
                storages.put(s.address(), node);
            }
            groups.put(g.name(), Map.of("active", g.activeCount(), "freeMb", g.freeMb(), "storages", storages));
            if (g.activeCount() == 0) {
                withoutActive.add(g.name());
            }
        }
        builder.withDetail("tracker", Secrets.redact(view.tracker())).withDetail("layout", view.layout().name())
                .withDetail("groups", groups);
        if (!withoutActive.isEmpty()) {
            builder.withDetail("groupsWithoutActiveStorage", withoutActive);
        }
        if (view.groups().isEmpty() || withoutActive.size() == view.groups().size()) {
            builder.status(UpstreamHealth.status(false, required)).withDetail("reason", "no group has an ACTIVE storage");
        }
        return builder.build();
    }
}
