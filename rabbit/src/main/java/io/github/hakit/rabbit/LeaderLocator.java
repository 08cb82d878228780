package io.github.hakit.rabbit;

import io.github.hakit.core.Endpoint;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the endpoint of the node that leads a quorum queue, through the management API. A node is matched to an
 * endpoint by the endpoint's {@code node} tag ({@code node=rabbit@host}) or else by the AMQP port the node listens
 * on. The publisher decides when to ask (see {@link ReliablePublisher}); this class only asks.
 */
final class LeaderLocator implements ReliablePublisher.LeaderLookup {
    private final RabbitCluster cluster;
    private final String queue;
    /** Node name to AMQP port, from the management API; fetched again when a node is missing. */
    private volatile Map<String, Integer> ports = Map.of();

    LeaderLocator(RabbitCluster cluster, String queue) {
        this.cluster = cluster;
        this.queue = queue;
    }

    @Override
    public Optional<String> leaderEndpoint() throws IOException {
        RabbitManagement api = cluster.management().orElseThrow();
        Optional<String> node = api.queueLeader(cluster.settings().virtualHost, queue);
        if (node.isEmpty()) {
            return Optional.empty();
        }
        for (Endpoint e : cluster.upstream().endpoints()) {
            String tag = e.tags().get("node");
            if (tag != null && tag.equals(node.get())) {
                return Optional.of(e.name());
            }
        }
        Integer port = ports.get(node.get());
        if (port == null) {
            ports = Map.copyOf(api.amqpPorts());
            port = ports.get(node.get());
        }
        for (Endpoint e : cluster.upstream().endpoints()) {
            if (port != null && e.port() == port) {
                return Optional.of(e.name());
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "leader of quorum queue " + queue;
    }
}
