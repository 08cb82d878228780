package io.github.hakit.rabbit;

import io.github.hakit.core.Endpoint;
import io.github.hakit.testkit.rabbit.RabbitNode;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import java.util.UUID;

/** Shared set-up of the rabbit integration tests. */
final class RabbitITSupport {
    private RabbitITSupport() {
    }

    /** A hakit cluster client over every node of the test cluster, with the management API. */
    static RabbitCluster.Builder clientFor(RabbitTestCluster cluster) {
        return RabbitCluster.builder()
                .endpoints(cluster.amqpAddresses())
                .managementUrls(cluster.nodes().stream().map(RabbitNode::managementUrl).toList());
    }

    /** The test node behind a hakit endpoint name. */
    static RabbitNode node(RabbitTestCluster cluster, RabbitCluster rabbit, String endpointName) {
        Endpoint e = rabbit.upstream().endpoints().stream().filter(x -> x.name().equals(endpointName)).findFirst()
                .orElseThrow(() -> new AssertionError("no endpoint " + endpointName));
        return cluster.nodeByAmqpPort(e.port()).orElseThrow(() -> new AssertionError("no node on " + e));
    }

    /** A quorum queue name never used before (never re-declare a name deleted while a node was down). */
    static String uniqueQueue(String what) {
        return "hakit-" + what + "-" + UUID.randomUUID();
    }
}
