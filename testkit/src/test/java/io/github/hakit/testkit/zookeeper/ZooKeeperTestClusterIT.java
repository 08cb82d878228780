package io.github.hakit.testkit.zookeeper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import io.github.hakit.testkit.Await;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(ZooKeeperExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ZooKeeperTestClusterIT {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperTestClusterIT.class);
    private ZooKeeperTestCluster cluster;

    @BeforeAll
    void sharedCluster(ZooKeeperTestCluster shared) {
        cluster = shared;
    }

    @Test
    @Order(1)
    void threeMembersOnLoopbackServeWithExactlyOneLeader() {
        assertEquals(3, cluster.size());
        String[] members = cluster.connectString().split(",");
        assertEquals(3, members.length);
        for (String member : members) {
            assertTrue(member.startsWith("127.0.0.1:"), member);
        }
        List<String> modes = IntStream.range(0, 3).mapToObj(i -> cluster.mode(i).orElse("none")).sorted().toList();
        assertEquals(List.of("follower", "follower", "leader"), modes);
        assertTrue(cluster.leader().isPresent());
        if (ProcessSockets.supported()) {
            // client, quorum and election ports: nothing on a wildcard or NIC address
            assertEquals(List.of(), ProcessSockets.nonLoopback(), "sockets not on loopback");
        }
    }

    @Test
    @Order(2)
    void killingTheMemberAClientUsesKeepsItsSessionAndData() throws Exception {
        try (ZkClient client = new ZkClient(cluster.connectString(), Duration.ofSeconds(20))) {
            client.zk.create("/survivor", "d".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            long session = client.zk.getSessionId();
            int used = cluster.memberServing(client.zk).orElseThrow();

            long killedAt = System.nanoTime();
            cluster.kill(used);
            assertTrue(cluster.isKilled(used));
            assertFalse(cluster.isServing(used));

            Await.until(Duration.ofSeconds(30), () -> {
                OptionalInt now = cluster.memberServing(client.zk);
                return client.zk.getState() == ZooKeeper.States.CONNECTED && now.isPresent() && now.getAsInt() != used;
            }, () -> "client moved to another member");
            Await.until(Duration.ofSeconds(30), () -> {
                try {
                    return client.zk.getData("/survivor", false, null).length == 1;
                } catch (Exception e) {
                    return false;
                }
            }, () -> "read after failover");
            log.info("reads resumed {} ms after killing member {}", (System.nanoTime() - killedAt) / 1_000_000, used);
            assertEquals(session, client.zk.getSessionId(), "same session after failover");
            assertFalse(client.saw(KeeperState.Expired));
            assertArrayEquals("d".getBytes(StandardCharsets.UTF_8), client.zk.getData("/survivor", false, null));

            cluster.restart(used);
            assertFalse(cluster.isKilled(used));
            cluster.awaitQuorum(Duration.ofSeconds(30));
            assertTrue(cluster.isServing(used));
        }
    }

    @Test
    @Order(3)
    void expiringASessionOnTheEnsembleDeletesItsEphemeralNodes() throws Exception {
        try (ZkClient victim = new ZkClient(cluster.connectString(), Duration.ofSeconds(20));
                ZkClient observer = new ZkClient(cluster.connectString(), Duration.ofSeconds(20))) {
            victim.zk.create("/eph-cluster", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            cluster.expireSession(victim.zk);
            Await.until(Duration.ofSeconds(10), () -> victim.saw(KeeperState.Expired), () -> "Expired event");
            observer.zk.sync("/", (rc, path, ctx) -> { }, null);
            Await.until(Duration.ofSeconds(5), () -> {
                try {
                    return observer.zk.exists("/eph-cluster", false) == null;
                } catch (Exception e) {
                    return false;
                }
            }, () -> "ephemeral node deleted");
            assertNull(observer.zk.exists("/eph-cluster", false));
            assertNotEquals(ZooKeeper.States.CONNECTED, victim.zk.getState());
        }
    }

    @Test
    @Order(4)
    void membersAreAddressedByIndexAndBadIndexesAreRefused() {
        assertEquals("127.0.0.1:" + cluster.port(2), cluster.memberConnectString(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cluster.kill(3));
        assertTrue(e.getMessage().contains("3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ZooKeeperTestCluster.start(1));
    }
}
