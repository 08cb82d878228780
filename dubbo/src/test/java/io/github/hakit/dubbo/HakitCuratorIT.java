package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.zookeeper.ZooKeeperExtension;
import io.github.hakit.testkit.zookeeper.ZooKeeperTestCluster;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The application's own Curator client from {@link HakitZooKeeper#newCurator}, on the shared 3-member ensemble. */
@ExtendWith(ZooKeeperExtension.class)
class HakitCuratorIT {

    @Test
    void curatorUsesTheEnsembleABoundedExponentialRetryAndSurvivesMemberLossAndSessionExpiry(
            ZooKeeperTestCluster ensemble) throws Exception {
        ZooKeeperSettings settings = ZooKeeperSettings.builder(ensemble.connectString())
                .retry(Duration.ofMillis(50), Duration.ofSeconds(1), 5).build();
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        try (CuratorFramework curator = HakitZooKeeper.newCurator(settings)) {
            curator.getConnectionStateListenable().addListener((c, s) -> states.add(s));
            curator.start();
            assertTrue(curator.blockUntilConnected(10, TimeUnit.SECONDS));
            BoundedExponentialBackoffRetry retry = (BoundedExponentialBackoffRetry) curator.getZookeeperClient()
                    .getRetryPolicy();
            assertEquals(1_000, retry.getMaxSleepTimeMs());
            assertEquals(50, retry.getBaseSleepTimeMs());
            curator.create().orSetData().forPath("/hakit-curator", "v".getBytes(StandardCharsets.UTF_8));

            int member = ensemble.memberServing(curator.getZookeeperClient().getZooKeeper()).orElseThrow();
            long session = curator.getZookeeperClient().getZooKeeper().getSessionId();
            ensemble.kill(member);
            try {
                // an operation during the failover is retried by the policy and succeeds on another member
                assertArrayEquals("v".getBytes(StandardCharsets.UTF_8), curator.getData().forPath("/hakit-curator"));
                assertEquals(session, curator.getZookeeperClient().getZooKeeper().getSessionId(), "same session");
            } finally {
                ensemble.restart(member); // the ensemble is shared with later tests
            }

            ensemble.expireSession(curator.getZookeeperClient().getZooKeeper());
            Await.until(Duration.ofSeconds(30), () -> states.contains(ConnectionState.LOST)
                    && states.lastIndexOf(ConnectionState.RECONNECTED) > states.indexOf(ConnectionState.LOST),
                    () -> "LOST then RECONNECTED, saw " + states);
            assertNotEquals(session, curator.getZookeeperClient().getZooKeeper().getSessionId(), "new session");
            assertArrayEquals("v".getBytes(StandardCharsets.UTF_8), curator.getData().forPath("/hakit-curator"));
        }
    }
}
