package io.github.hakit.testkit.zookeeper;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Expires a ZooKeeper client session on the <em>server</em>, the way a long GC pause or a network
 * partition does in production: a second handle attaches to the same session (same id and password)
 * and closes it. The server then deletes the session's ephemeral nodes and the original client gets
 * {@code Expired} when it next talks to the ensemble, so a registry must re-create its nodes on a new
 * session. (Curator's {@code KillSession} only injects a client-side expiry event; the server keeps
 * the old session and its ephemeral nodes until the session timeout, which is not the scenario here.)
 *
 * <pre>{@code
 * ZooKeeper zk = curator.getZookeeperClient().getZooKeeper();
 * ZooKeeperSessions.expire(ensemble.connectString(), zk.getSessionId(), zk.getSessionPasswd(), Duration.ofSeconds(10));
 * }</pre>
 */
public final class ZooKeeperSessions {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperSessions.class);

    private ZooKeeperSessions() {
    }

    /**
     * Expires the session of {@code client} on the servers of {@code connectString}.
     *
     * @param timeout how long to wait for the second handle to attach (> 0)
     */
    public static void expire(String connectString, ZooKeeper client, Duration timeout) {
        Objects.requireNonNull(client, "client");
        expire(connectString, client.getSessionId(), client.getSessionPasswd(), timeout);
    }

    /**
     * Expires session {@code sessionId} on the servers of {@code connectString}.
     *
     * @param timeout how long to wait for the second handle to attach (> 0)
     * @throws IllegalStateException when the session could not be attached within the timeout
     */
    public static void expire(String connectString, long sessionId, byte[] password, Duration timeout) {
        Objects.requireNonNull(connectString, "connectString");
        Objects.requireNonNull(password, "password");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be > 0: " + timeout);
        }
        if (sessionId == 0) {
            throw new IllegalArgumentException("session id 0: the client has no session yet");
        }
        CountDownLatch connected = new CountDownLatch(1);
        Watcher watcher = event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        };
        ZooKeeper twin;
        try {
            twin = new ZooKeeper(connectString, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()), watcher,
                    sessionId, password);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a second handle on session 0x"
                    + Long.toHexString(sessionId) + " at " + connectString, e);
        }
        try {
            if (!connected.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("could not attach to session 0x" + Long.toHexString(sessionId)
                        + " at " + connectString + " within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while attaching to session 0x" + Long.toHexString(sessionId), e);
        } finally {
            try {
                // close() sends closeSession: the server ends the session and deletes its ephemeral nodes
                twin.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        log.info("expired ZooKeeper session 0x{} at {}", Long.toHexString(sessionId), connectString);
    }
}
