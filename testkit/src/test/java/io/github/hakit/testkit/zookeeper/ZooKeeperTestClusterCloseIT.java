package io.github.hakit.testkit.zookeeper;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import io.github.hakit.testkit.Ports;
import org.junit.jupiter.api.Test;

class ZooKeeperTestClusterCloseIT {
    @Test
    void closeReturnsWithinItsDeadlineAndFreesThePorts() {
        ZooKeeperTestCluster cluster = ZooKeeperTestCluster.start(3, "127.0.0.1", null, Duration.ofSeconds(5));
        int port = cluster.port(0);
        assertTrue(Ports.isListening("127.0.0.1", port, 500));

        long start = System.nanoTime();
        cluster.close();
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertTrue(tookMs < 6_000, "close took " + tookMs + " ms");
        assertFalse(Ports.isListening("127.0.0.1", port, 500), "client port still open after close");
    }
}
