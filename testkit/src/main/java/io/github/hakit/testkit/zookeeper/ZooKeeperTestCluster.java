package io.github.hakit.testkit.zookeeper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.Ports;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real ZooKeeper ensemble of {@code n} members in this JVM (curator-test {@link TestingCluster}),
 * every client, quorum and election port on {@code 127.0.0.1}. Members are addressed by index
 * {@code 0..n-1}; a test can {@link #kill(int) crash} one and {@link #restart(int) restart} it on its
 * data, find the member a client is talking to, and expire a client's session.
 *
 * <pre>{@code
 * try (ZooKeeperTestCluster zk = ZooKeeperTestCluster.start(3)) {
 *     CuratorFramework curator = newClient(zk.connectString());  // "127.0.0.1:a,127.0.0.1:b,127.0.0.1:c"
 *     int used = zk.memberServing(curator.getZookeeperClient().getZooKeeper()).getAsInt();
 *     zk.kill(used);        // crash, like kill -9: clients move to another member, same session
 *     zk.restart(used);     // rejoins the quorum on its old data
 * }
 * }</pre>
 *
 * <p>{@link #close()} closes the members in parallel and gives up after the close timeout:
 * {@code TestingCluster.close()} was seen to hang for more than 40 s.
 */
public final class ZooKeeperTestCluster implements ZooKeeperEnsemble {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperTestCluster.class);

    private final TestingCluster cluster;
    private final List<InstanceSpec> specs;
    private final Duration closeTimeout;
    private final boolean[] killed;

    private ZooKeeperTestCluster(TestingCluster cluster, List<InstanceSpec> specs, Duration closeTimeout) {
        this.cluster = cluster;
        this.specs = specs;
        this.closeTimeout = closeTimeout;
        this.killed = new boolean[specs.size()];
    }

    /** Starts an ensemble of {@code size} members on {@code 127.0.0.1} and waits for its quorum. */
    public static ZooKeeperTestCluster start(int size) {
        return start(size, "127.0.0.1", null, DEFAULT_CLOSE_TIMEOUT);
    }

    /**
     * Starts an ensemble and waits until every member serves (a leader was elected).
     *
     * @param size number of members, 2..7 (use 3: it survives one member down)
     * @param loopbackHost a 127.0.0.0/8 address for all members
     * @param tickTime ZooKeeper tick, null for the default 2 s
     * @param closeTimeout how long {@link #close()} waits at most (> 0)
     */
    public static ZooKeeperTestCluster start(int size, String loopbackHost, Duration tickTime, Duration closeTimeout) {
        if (size < 2 || size > 7) {
            throw new IllegalArgumentException("ensemble size must be 2..7 (use ZooKeeperTestServer for one): " + size);
        }
        Objects.requireNonNull(loopbackHost, "loopbackHost");
        ZooKeeperTestServer.requirePositive(closeTimeout, "closeTimeout");
        LoopbackInstances.validateTickTime(tickTime);
        List<InstanceSpec> specs = IntStream.rangeClosed(1, size)
                .mapToObj(id -> LoopbackInstances.spec(loopbackHost, id, tickTime))
                .collect(Collectors.toUnmodifiableList());
        long started = System.nanoTime();
        TestingCluster cluster = new TestingCluster(specs);
        ZooKeeperTestCluster result = new ZooKeeperTestCluster(cluster, specs, closeTimeout);
        try {
            cluster.start();
            result.awaitQuorum(DEFAULT_TIMEOUT);
        } catch (Exception e) {
            result.close();
            throw new IllegalStateException("ZooKeeper ensemble " + result.connectString() + " did not start", e);
        }
        log.info("ZooKeeper ensemble {} up in {} ms, leader member {}", result.connectString(),
                (System.nanoTime() - started) / 1_000_000, result.leader().orElse(-1));
        return result;
    }

    @Override
    public String connectString() {
        return cluster.getConnectString();
    }

    public int size() {
        return specs.size();
    }

    /** {@code host:port} of one member. */
    public String memberConnectString(int member) {
        return spec(member).getConnectString();
    }

    /** Client port of one member. */
    public int port(int member) {
        return spec(member).getPort();
    }

    /** The member's mode ({@code leader}, {@code follower}) while it serves clients, else empty. */
    public Optional<String> mode(int member) {
        InstanceSpec spec = spec(member);
        return FourLetterWords.mode(spec.getHostname(), spec.getPort(), Duration.ofSeconds(1));
    }

    /** True when the member serves clients right now (it is part of a quorum). */
    public boolean isServing(int member) {
        return mode(member).isPresent();
    }

    /** The current leader's index, empty while there is none. */
    public OptionalInt leader() {
        return IntStream.range(0, size()).filter(i -> mode(i).filter("leader"::equals).isPresent()).findFirst();
    }

    /** Waits until every member that was not killed serves clients. */
    public void awaitQuorum(Duration timeout) {
        Await.until(timeout, () -> IntStream.range(0, size()).filter(i -> !isKilled(i)).allMatch(this::isServing),
                () -> "ZooKeeper members " + liveMembers() + " of " + connectString() + " to serve");
    }

    /** The index of the member {@code client} is connected to, empty while it is not connected. */
    public OptionalInt memberServing(ZooKeeper client) {
        Objects.requireNonNull(client, "client");
        try {
            InstanceSpec spec = cluster.findConnectionInstance(client);
            return spec == null ? OptionalInt.empty() : OptionalInt.of(specs.indexOf(spec));
        } catch (Exception e) {
            throw new IllegalStateException("cannot tell which member " + client + " uses", e);
        }
    }

    /**
     * Crashes a member: its sockets are closed at once, without a clean shutdown, like {@code kill -9}.
     * Clients connected to it move to another member on the same session.
     */
    public void kill(int member) {
        InstanceSpec spec = spec(member);
        try {
            cluster.killServer(spec);
        } catch (Exception e) {
            throw new IllegalStateException("cannot kill ZooKeeper member " + member + " at " + spec.getConnectString(), e);
        }
        synchronized (killed) {
            killed[member] = true;
        }
        Await.until(DEFAULT_TIMEOUT, () -> !Ports.isListening(spec.getHostname(), spec.getPort(), 200),
                () -> "ZooKeeper member " + member + " at " + spec.getConnectString() + " to stop listening");
        log.info("killed ZooKeeper member {} at {}", member, spec.getConnectString());
    }

    /** Restarts a killed member on its data and waits until it serves again. */
    public void restart(int member) {
        InstanceSpec spec = spec(member);
        try {
            cluster.restartServer(spec);
        } catch (Exception e) {
            throw new IllegalStateException("cannot restart ZooKeeper member " + member + " at " + spec.getConnectString(), e);
        }
        synchronized (killed) {
            killed[member] = false;
        }
        Await.until(DEFAULT_TIMEOUT, () -> isServing(member),
                () -> "restarted ZooKeeper member " + member + " at " + spec.getConnectString() + " to serve");
        log.info("restarted ZooKeeper member {} at {}", member, spec.getConnectString());
    }

    /**
     * The members' quorum and election ports: the ensemble's own links between members, which a test counting this
     * JVM's sockets leaves out (they are re-formed after a member restarts).
     */
    public java.util.Set<Integer> peerPorts() {
        java.util.Set<Integer> ports = new java.util.TreeSet<>();
        for (InstanceSpec spec : specs) {
            ports.add(spec.getQuorumPort());
            ports.add(spec.getElectionPort());
        }
        return java.util.Collections.unmodifiableSet(ports);
    }

    /** True when {@link #kill(int)} was called and no {@link #restart(int)} since. */
    public boolean isKilled(int member) {
        spec(member);
        synchronized (killed) {
            return killed[member];
        }
    }

    private List<Integer> liveMembers() {
        return IntStream.range(0, size()).filter(i -> !isKilled(i)).boxed().collect(Collectors.toList());
    }

    private InstanceSpec spec(int member) {
        if (member < 0 || member >= specs.size()) {
            throw new IllegalArgumentException("no ZooKeeper member " + member + " (members 0.." + (specs.size() - 1) + ")");
        }
        return specs.get(member);
    }

    /** Closes all members in parallel, waiting at most the close timeout in total; never throws. */
    @Override
    public void close() {
        long started = System.nanoTime();
        List<CompletableFuture<Boolean>> closing = new ArrayList<>();
        for (TestingZooKeeperServer server : cluster.getServers()) {
            int port = server.getInstanceSpec().getPort();
            closing.add(CompletableFuture.supplyAsync(
                    () -> BoundedClose.run("zookeeper-member-" + port, closeTimeout, server::close),
                    task -> {
                        Thread t = new Thread(task, "hakit-close-zk-" + port);
                        t.setDaemon(true);
                        t.start();
                    }));
        }
        long abandoned = closing.stream().map(CompletableFuture::join).filter(ok -> !ok).count();
        if (abandoned > 0) {
            log.warn("{} of {} ZooKeeper members did not close within {}", abandoned, size(), closeTimeout);
        } else {
            log.info("ZooKeeper ensemble {} closed in {} ms", connectString(), (System.nanoTime() - started) / 1_000_000);
        }
        specs.forEach(spec -> LoopbackInstances.deleteQuietly(spec.getDataDirectory().toPath()));
    }
}
