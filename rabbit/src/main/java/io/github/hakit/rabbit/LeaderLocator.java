package io.github.hakit.rabbit;

import io.github.hakit.core.Endpoint;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the endpoint of the node that leads a quorum queue, through the management API, and refreshes it
 * periodically. A node is matched to an endpoint by the endpoint's {@code node} tag ({@code node=rabbit@host}) or
 * else by the AMQP port the node listens on. Supplies nothing while unknown, so callers fall back to the balancer.
 */
final class LeaderLocator implements Supplier<Optional<String>>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderLocator.class);

    private final RabbitCluster cluster;
    private final String queue;
    private final ScheduledFuture<?> refresh;
    private volatile Optional<String> leaderEndpoint = Optional.empty();

    LeaderLocator(RabbitCluster cluster, String queue, java.time.Duration every) {
        this.cluster = cluster;
        this.queue = queue;
        refresh();
        this.refresh = cluster.scheduler().scheduleWithFixedDelay(this::refresh, every.toMillis(), every.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void refresh() {
        try {
            RabbitManagement api = cluster.management().orElseThrow();
            Optional<String> node = api.queueLeader(cluster.settings().virtualHost, queue);
            Optional<String> found = Optional.empty();
            if (node.isPresent()) {
                Map<String, Integer> ports = null;
                for (Endpoint e : cluster.upstream().endpoints()) {
                    String tag = e.tags().get("node");
                    if (tag != null && tag.equals(node.get())) {
                        found = Optional.of(e.name());
                        break;
                    }
                }
                if (found.isEmpty()) {
                    ports = api.amqpPorts();
                    Integer port = ports.get(node.get());
                    for (Endpoint e : cluster.upstream().endpoints()) {
                        if (port != null && e.port() == port) {
                            found = Optional.of(e.name());
                            break;
                        }
                    }
                }
            }
            if (!found.equals(leaderEndpoint)) {
                log.info("leader of quorum queue {} is {} (endpoint {})", queue, node.orElse("unknown"),
                        found.orElse("unknown"));
            }
            leaderEndpoint = found;
        } catch (Exception e) {
            log.debug("cannot look up the leader of {}: {}", queue, e.toString());
        }
    }

    @Override
    public Optional<String> get() {
        return leaderEndpoint;
    }

    @Override
    public void close() {
        refresh.cancel(false);
    }
}
