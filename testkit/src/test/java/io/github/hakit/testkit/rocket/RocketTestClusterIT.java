package io.github.hakit.testkit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class RocketTestClusterIT {
    private static final Logger log = LoggerFactory.getLogger(RocketTestClusterIT.class);

    @Test
    void everyNameServerRoutesToBothMastersAndBothSlavesOnLoopback(RocketTestCluster cluster) {
        assertEquals(2, cluster.nameServers().size());
        assertEquals(4, cluster.brokers().size());
        for (RocketNode ns : cluster.nameServers()) {
            String info = cluster.clusterInfo(ns);
            for (RocketNode broker : cluster.brokers()) {
                assertTrue(broker.address().startsWith("127.0.0.1:"), broker.address());
                assertTrue(info.contains('"' + broker.address() + '"'), ns.name() + " lacks " + broker + ": " + info);
            }
            assertTrue(info.contains("\"broker-a\"") && info.contains("\"broker-b\""), info);
        }
        log.info("cluster:\n{}\ntotal RSS {} MiB", cluster.describe(), cluster.totalRssBytes() / (1024 * 1024));
    }

    @Test
    void killedMasterLeavesTheRoutesAndReturnsAfterRestartOnItsData(RocketTestCluster cluster) {
        RocketNode master = cluster.master("broker-a");
        long pid = master.pid();
        int starts = master.starts();
        cluster.kill(master);
        assertFalse(master.isRunning());
        cluster.awaitBrokerGoneFromRoutes(master, Duration.ofSeconds(15));
        assertTrue(cluster.clusterInfo(cluster.nameServer(0)).contains('"' + cluster.slave("broker-a").address() + '"'),
                "the slave stays in the routes");

        Duration took = cluster.restart(master);
        log.info("broker-a master restarted after kill -9 in {} ms", took.toMillis());
        assertTrue(master.isRunning());
        assertNotEquals(pid, master.pid());
        assertEquals(starts + 1, master.starts());
        cluster.awaitBrokerInRoutes(master, Duration.ofSeconds(1));
    }

    @Test
    void blackHoledNameServerAcceptsConnectionsButNeverAnswers(RocketTestCluster cluster) throws IOException {
        RocketNode ns = cluster.nameServer(0);
        BlackHole hole = cluster.blackHole(ns);
        assertTrue(ns.isBlackHoled());
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> RocketWire.request(ns.address(),
                RocketWire.GET_BROKER_CLUSTER_INFO, Map.of(), Duration.ofMillis(300)));
        long waited = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e instanceof java.net.SocketTimeoutException, "a timeout, not a refusal: " + e);
        assertTrue(waited >= 250, "waited only " + waited + " ms");
        Await.until(Duration.ofSeconds(5), () -> hole.acceptedConnections() >= 1, () -> "an accepted connection");

        cluster.heal();
        assertFalse(ns.isBlackHoled());
        assertTrue(RocketWire.request(ns.address(), RocketWire.GET_BROKER_CLUSTER_INFO, Map.of(), Duration.ofSeconds(2))
                .isSuccess());
        for (RocketNode broker : cluster.brokers()) {
            assertTrue(cluster.clusterInfo(ns).contains('"' + broker.address() + '"'), "re-registered " + broker);
        }
    }

    @Test
    void createdTopicIsRoutedToBothMastersAndCopiedToBothSlaves(RocketTestCluster cluster) {
        cluster.createTopic("testkit-topic", 2);
        for (RocketNode ns : cluster.nameServers()) {
            String route = cluster.route(ns, "testkit-topic");
            assertTrue(route.contains('"' + cluster.master("broker-a").address() + '"'), route);
            assertTrue(route.contains('"' + cluster.master("broker-b").address() + '"'), route);
        }
        // a broker answers GET_BROKER_RUNTIME_INFO with an error for a moment after a (re)start: poll
        Await.until(Duration.ofSeconds(30), () -> cluster.commitLogMaxOffset(cluster.master("broker-a")) >= 0,
                () -> "broker-a's commit log offset");
    }
}
