package io.github.hakit.fastdfs;

import java.util.List;
import java.util.Optional;

/**
 * Groups and storages with their states, as one tracker sees them, for health endpoints.
 *
 * <pre>{@code
 * ClusterView view = client.clusterView();
 * view.group("group1").map(GroupView::activeCount);
 * }</pre>
 *
 * @param tracker {@code host:port} of the tracker that answered
 * @param layout the wire-format generation recognised in its answers
 * @param groups the groups in the tracker's order
 */
public record ClusterView(String tracker, ProtocolLayout layout, List<GroupView> groups) {
    public ClusterView {
        groups = List.copyOf(groups);
    }

    public Optional<GroupView> group(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }
}
