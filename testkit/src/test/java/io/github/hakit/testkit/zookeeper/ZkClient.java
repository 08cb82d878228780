package io.github.hakit.testkit.zookeeper;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import io.github.hakit.testkit.Await;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/** A plain ZooKeeper client for the tests that records every connection state it sees. */
final class ZkClient implements AutoCloseable {
    final ZooKeeper zk;
    final List<Watcher.Event.KeeperState> states = new CopyOnWriteArrayList<>();

    ZkClient(String connectString, Duration sessionTimeout) throws IOException {
        Watcher watcher = (WatchedEvent event) -> {
            if (event.getType() == Watcher.Event.EventType.None) {
                states.add(event.getState());
            }
        };
        zk = new ZooKeeper(connectString, (int) sessionTimeout.toMillis(), watcher);
        Await.until(Duration.ofSeconds(30), () -> zk.getState() == ZooKeeper.States.CONNECTED,
                () -> "client connected to " + connectString);
    }

    boolean saw(Watcher.Event.KeeperState state) {
        return states.contains(state);
    }

    @Override
    public void close() throws InterruptedException {
        zk.close(2_000);
    }
}
