package io.github.hakit.rabbit;

import java.util.List;

/**
 * The cluster as the management API reports it, for health endpoints.
 *
 * <pre>{@code
 * ClusterView view = rabbit.management().orElseThrow().clusterView();
 * boolean healthy = view.running() == view.nodes().size() && !view.partitioned() && !view.alarmed();
 * }</pre>
 *
 * @param nodes every cluster member
 */
public record ClusterView(List<Node> nodes) {
    public ClusterView {
        nodes = List.copyOf(nodes);
    }

    /** Members that run. */
    public long running() {
        return nodes.stream().filter(Node::running).count();
    }

    /** Whether any node reports a network partition. */
    public boolean partitioned() {
        return nodes.stream().anyMatch(n -> !n.partitions().isEmpty());
    }

    /** Whether any node has a memory or disk alarm (publishers are blocked). */
    public boolean alarmed() {
        return nodes.stream().anyMatch(n -> n.memoryAlarm() || n.diskAlarm());
    }

    /**
     * One member.
     *
     * @param name        Erlang node name
     * @param running     whether it runs
     * @param partitions  nodes it is partitioned from
     * @param memoryAlarm memory high-watermark alarm
     * @param diskAlarm   free disk alarm
     */
    public record Node(String name, boolean running, List<String> partitions, boolean memoryAlarm,
            boolean diskAlarm) {
        public Node {
            partitions = List.copyOf(partitions);
        }
    }
}
