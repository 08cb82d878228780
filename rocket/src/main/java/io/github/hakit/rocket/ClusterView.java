package io.github.hakit.rocket;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of a RocketMQ cluster as hakit sees it, for health endpoints and logs: every NameServer
 * with its health state, and every broker group with its master and slave addresses as the NameServers
 * route them (a NameServer drops a broker whose connection closes, so a dead master is simply absent).
 *
 * <pre>{@code
 * ClusterView view = nameServers.clusterView();
 * view.brokers().get("broker-a").master();   // Optional.empty() while broker-a's master is down
 * }</pre>
 *
 * @param nameServers every configured NameServer, in order
 * @param brokers     broker groups by name (sorted)
 * @param observedAt  when the broker part was read from a NameServer (or {@link Instant#EPOCH} if never)
 * @param observedFrom the NameServer that answered, or empty
 */
public record ClusterView(List<NameServerState> nameServers, Map<String, BrokerGroup> brokers, Instant observedAt,
        Optional<String> observedFrom) {

    public ClusterView {
        nameServers = List.copyOf(nameServers);
        brokers = Map.copyOf(brokers);
    }

    /**
     * One NameServer.
     *
     * @param address {@code host:port}
     * @param healthy whether the client uses it now
     * @param state   the health checker's state text (e.g. {@code UP}, {@code DOWN}, {@code UP 1/3})
     */
    public record NameServerState(String address, boolean healthy, String state) {
    }

    /**
     * One broker group.
     *
     * @param name     {@code brokerName}
     * @param cluster  {@code brokerClusterName}
     * @param master   the master's address when the NameServers route to it
     * @param slaves   slave addresses by broker id (1, 2, ...)
     */
    public record BrokerGroup(String name, String cluster, Optional<String> master, Map<Long, String> slaves) {
        public BrokerGroup {
            slaves = Map.copyOf(slaves);
        }

        /** True when the master is routed (writes possible). */
        public boolean writable() {
            return master.isPresent();
        }

        /** True when some node of the group is routed (reads possible). */
        public boolean readable() {
            return master.isPresent() || !slaves.isEmpty();
        }
    }
}
