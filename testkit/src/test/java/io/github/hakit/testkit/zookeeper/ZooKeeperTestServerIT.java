package io.github.hakit.testkit.zookeeper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.Ports;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher.Event.KeeperState;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(ZooKeeperExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZooKeeperTestServerIT {
    private ZooKeeperTestServer server;

    @BeforeAll
    void sharedServer(ZooKeeperTestServer shared) {
        server = shared;
    }

    @Test
    void serverListensOnLoopbackOnlyAndServesStandalone() throws Exception {
        assertTrue(server.connectString().startsWith("127.0.0.1:"), server.connectString());
        assertEquals(Optional.of("standalone"), server.mode());
        if (ProcessSockets.supported()) {
            List<ProcessSockets.TcpSocket> listeners = ProcessSockets.current().stream()
                    .filter(ProcessSockets.TcpSocket::listening).toList();
            assertTrue(listeners.stream().anyMatch(s -> s.local().getPort() == server.port()), listeners::toString);
            assertEquals(List.of(), ProcessSockets.nonLoopback(), "sockets not on loopback");
        }
        try (ZkClient client = new ZkClient(server.connectString(), Duration.ofSeconds(10))) {
            client.zk.create("/hello", "x".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            assertNotNull(client.zk.exists("/hello", false));
        }
    }

    @Test
    void stoppedServerRestartsOnTheSamePortWithItsData() throws Exception {
        try (ZkClient client = new ZkClient(server.connectString(), Duration.ofSeconds(20))) {
            client.zk.create("/kept", "v1".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT);
            int port = server.port();

            server.stop();
            assertFalse(server.isServing());
            assertFalse(Ports.isListening("127.0.0.1", port, 200));
            Await.until(Duration.ofSeconds(10), () -> client.saw(KeeperState.Disconnected), () -> "Disconnected");

            server.restart();
            assertEquals(port, server.port());
            Await.until(Duration.ofSeconds(20), () -> client.zk.getState() == ZooKeeper.States.CONNECTED,
                    () -> "client reconnected");
            assertArrayEquals("v1".getBytes(StandardCharsets.UTF_8), client.zk.getData("/kept", false, null));
            assertFalse(client.saw(KeeperState.Expired), "the session survives a short outage");
        }
    }

    @Test
    void expiredSessionLosesItsEphemeralNodesAndTheClientSeesExpired() throws Exception {
        try (ZkClient victim = new ZkClient(server.connectString(), Duration.ofSeconds(20));
                ZkClient observer = new ZkClient(server.connectString(), Duration.ofSeconds(20))) {
            victim.zk.create("/eph", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
            long session = victim.zk.getSessionId();
            assertEquals(session, observer.zk.exists("/eph", false).getEphemeralOwner());

            server.expireSession(victim.zk);

            // server side: the node is gone at once, long before the 20 s session timeout
            Await.until(Duration.ofSeconds(5), () -> {
                try {
                    return observer.zk.exists("/eph", false) == null;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, () -> "ephemeral node of the expired session deleted");
            assertNull(observer.zk.exists("/eph", false));
            // client side: the handle learns it is expired
            Await.until(Duration.ofSeconds(10), () -> victim.saw(KeeperState.Expired), () -> "Expired event");
            assertNotEquals(ZooKeeper.States.CONNECTED, victim.zk.getState());
        }
    }
}
