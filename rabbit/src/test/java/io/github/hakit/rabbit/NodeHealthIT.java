package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Connection;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.HealthState;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.rabbit.RabbitClusterExtension;
import io.github.hakit.testkit.rabbit.RabbitNode;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(RabbitClusterExtension.class)
class NodeHealthIT {
    private static final Logger log = LoggerFactory.getLogger(NodeHealthIT.class);

    @Test
    void nodeThatAcceptsTcpButNeverHandshakesIsMarkedDownAndCostsNoMoreHandshakeTimeouts(RabbitTestCluster cluster)
            throws Exception {
        // a plain listener: the kernel completes the TCP handshake from the backlog, nothing ever answers AMQP
        try (ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
                RabbitCluster rabbit = RabbitCluster.builder()
                        .endpoints("127.0.0.1:" + blackHole.getLocalPort() + "," + cluster.amqpAddresses())
                        .handshakeTimeout(Duration.ofSeconds(1))
                        .build()) {
            String hole = "127.0.0.1:" + blackHole.getLocalPort();
            long t0 = System.nanoTime();
            Await.until(Duration.ofSeconds(15), () -> rabbit.status().endpoint(hole).state() == HealthState.DOWN,
                    () -> "black hole DOWN: " + rabbit.status().render());
            log.info("RESULT black hole marked DOWN after {} ms:\n{}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), rabbit.status().render());

            Set<String> used = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                long c0 = System.nanoTime();
                try (Connection c = rabbit.newPlainConnection("probe-" + i, Optional::empty)) {
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - c0);
                    String endpoint = rabbit.endpointOf(c).orElseThrow().name();
                    assertNotEquals(hole, endpoint);
                    assertTrue(millis < 900, "connection " + i + " took " + millis + " ms (a handshake timeout?)");
                    used.add(endpoint);
                }
            }
            assertEquals(3, used.size(), "round robin over the three real nodes: " + used);
        }
    }

    @Test
    void killedNodeIsMarkedDownByTheAmqpProbeAndUpAgainAfterRestart(RabbitTestCluster cluster) throws Exception {
        try (RabbitCluster rabbit = RabbitITSupport.clientFor(cluster).build()) {
            RabbitNode c = cluster.node(2);
            Await.until(Duration.ofSeconds(10), () -> rabbit.status().available() == 3, () -> rabbit.status().render());
            long t0 = System.nanoTime();
            c.kill();
            Await.until(Duration.ofSeconds(10),
                    () -> rabbit.status().endpoint(c.amqpAddress()).state() == HealthState.DOWN,
                    () -> rabbit.status().render());
            long down = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            for (int i = 0; i < 4; i++) {
                try (Connection conn = rabbit.newPlainConnection("after-kill-" + i, Optional::empty)) {
                    assertNotEquals(c.amqpAddress(), rabbit.endpointOf(conn).orElseThrow().name());
                }
            }
            cluster.restart(c, Duration.ofSeconds(90));
            long r0 = System.nanoTime();
            Await.until(Duration.ofSeconds(15),
                    () -> rabbit.status().endpoint(c.amqpAddress()).state() == HealthState.UP,
                    () -> rabbit.status().render());
            log.info("RESULT killed node DOWN after {} ms (HAProxy inter 2s fall 3: 4.1-5.9 s); UP {} ms after rejoin",
                    down, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - r0));
            assertTrue(down < 3_000, "marked down after " + down + " ms");
        }
    }

    @Test
    void clusterViewListsEveryRunningNodeWithoutPartitionsOrAlarms(RabbitTestCluster cluster) throws Exception {
        try (RabbitCluster rabbit = RabbitITSupport.clientFor(cluster).build()) {
            ClusterView view = rabbit.management().orElseThrow().clusterView();
            assertEquals(3, view.nodes().size());
            assertEquals(3, view.running());
            assertFalse(view.partitioned());
            assertFalse(view.alarmed());
            Set<String> names = new HashSet<>();
            view.nodes().forEach(n -> names.add(n.name()));
            assertEquals(cluster.runningNodeNames(), names);
        }
    }

    @Test
    void managementProbeMarksANodeDownWhoseManagementApiDoesNotAnswer(RabbitTestCluster cluster) throws Exception {
        List<Endpoint> endpoints = new ArrayList<>();
        for (RabbitNode node : cluster.nodes()) {
            String url = node.letter().equals("c") ? "http://127.0.0.1:" + Ports.freePort() : node.managementUrl();
            endpoints.add(Endpoint.builder("127.0.0.1", node.amqpPort()).tag("management", url).build());
        }
        try (RabbitCluster rabbit = RabbitCluster.builder().endpoints(endpoints)
                .managementProbe(ManagementProbe.byTag("guest", "guest")).build()) {
            String c = cluster.node(2).amqpAddress();
            Await.until(Duration.ofSeconds(15), () -> rabbit.status().endpoint(c).state() == HealthState.DOWN
                            && rabbit.status().endpoint(cluster.node(0).amqpAddress()).state() == HealthState.UP
                            && rabbit.status().endpoint(cluster.node(1).amqpAddress()).state() == HealthState.UP,
                    () -> rabbit.status().render());
            // its AMQP side is fine: only the management check fails
            assertTrue(Ports.isListening("127.0.0.1", cluster.node(2).amqpPort(), 1000));
        }
    }
}
