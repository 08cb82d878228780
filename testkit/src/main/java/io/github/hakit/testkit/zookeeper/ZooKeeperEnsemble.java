package io.github.hakit.testkit.zookeeper;

import java.time.Duration;
import org.apache.zookeeper.ZooKeeper;

/**
 * A running ZooKeeper for tests: a single {@link ZooKeeperTestServer} or a
 * {@link ZooKeeperTestCluster}. Everything listens on loopback only.
 *
 * <pre>{@code
 * try (ZooKeeperEnsemble zk = ZooKeeperTestCluster.start(3)) {
 *     CuratorFramework curator = CuratorFrameworkFactory.newClient(zk.connectString(), retryPolicy);
 *     ...
 *     zk.expireSession(curator.getZookeeperClient().getZooKeeper());
 * }
 * }</pre>
 */
public interface ZooKeeperEnsemble extends AutoCloseable {
    /** Default time {@link #close()} waits for the servers to shut down before abandoning them. */
    Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /** Default wait for a server or session operation. */
    Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** {@code host:port[,host:port...]} for a ZooKeeper or Curator client. */
    String connectString();

    /**
     * Expires {@code client}'s session on the server side (ephemeral nodes are deleted, the client
     * sees {@code Expired}); see {@link ZooKeeperSessions}.
     */
    default void expireSession(ZooKeeper client) {
        ZooKeeperSessions.expire(connectString(), client, DEFAULT_TIMEOUT);
    }

    /** Stops every server, waiting at most {@link #DEFAULT_CLOSE_TIMEOUT}; never throws. */
    @Override
    void close();
}
