package io.github.hakit.testkit.zookeeper;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.Ports;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real ZooKeeper server in this JVM (curator-test {@link TestingServer}), listening on
 * {@code 127.0.0.1} and a free port only, with a temporary data directory that survives
 * {@link #stop()}/{@link #restart()} and is deleted on {@link #close()}.
 *
 * <pre>{@code
 * try (ZooKeeperTestServer zk = ZooKeeperTestServer.start()) {
 *     connect(zk.connectString());   // "127.0.0.1:41234"
 *     zk.stop();                     // clients see Disconnected
 *     zk.restart();                  // same port and data
 * }
 * }</pre>
 */
public final class ZooKeeperTestServer implements ZooKeeperEnsemble {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperTestServer.class);

    private final InstanceSpec spec;
    private final TestingServer server;
    private final Duration closeTimeout;

    private ZooKeeperTestServer(InstanceSpec spec, TestingServer server, Duration closeTimeout) {
        this.spec = spec;
        this.server = server;
        this.closeTimeout = closeTimeout;
    }

    /** Starts a server on {@code 127.0.0.1} with ZooKeeper's default tick time (2 s). */
    public static ZooKeeperTestServer start() {
        return start("127.0.0.1", null, DEFAULT_CLOSE_TIMEOUT);
    }

    /**
     * Starts a server.
     *
     * @param loopbackHost a 127.0.0.0/8 address (anything else is refused)
     * @param tickTime ZooKeeper tick (session timeouts are 2..20 ticks), null for the default 2 s
     * @param closeTimeout how long {@link #close()} waits at most (> 0)
     */
    public static ZooKeeperTestServer start(String loopbackHost, Duration tickTime, Duration closeTimeout) {
        return start(loopbackHost, 0, tickTime, closeTimeout);
    }

    /** As {@link #start(String, Duration, Duration)} on a chosen client port (0 = a free one). */
    public static ZooKeeperTestServer start(String loopbackHost, int port, Duration tickTime, Duration closeTimeout) {
        Objects.requireNonNull(loopbackHost, "loopbackHost");
        requirePositive(closeTimeout, "closeTimeout");
        LoopbackInstances.validateTickTime(tickTime);
        InstanceSpec spec = LoopbackInstances.spec(loopbackHost, port == 0 ? 0 : Ports.requireValid(port, "ZooKeeper"),
                1, tickTime);
        long started = System.nanoTime();
        TestingServer server;
        try {
            server = new TestingServer(spec, true);
        } catch (Exception e) {
            LoopbackInstances.deleteQuietly(spec.getDataDirectory().toPath());
            throw new IllegalStateException("ZooKeeper did not start on " + spec.getConnectString(), e);
        }
        ZooKeeperTestServer result = new ZooKeeperTestServer(spec, server, closeTimeout);
        try {
            result.awaitServing(DEFAULT_TIMEOUT);
        } catch (RuntimeException e) {
            result.close();
            throw e;
        }
        log.info("ZooKeeper up at {} in {} ms (data {})", result.connectString(),
                (System.nanoTime() - started) / 1_000_000, spec.getDataDirectory());
        return result;
    }

    @Override
    public String connectString() {
        return spec.getConnectString();
    }

    public String host() {
        return spec.getHostname();
    }

    public int port() {
        return spec.getPort();
    }

    public Path dataDirectory() {
        return spec.getDataDirectory().toPath();
    }

    /** True when the server answers {@code srvr} as a serving server right now. */
    public boolean isServing() {
        return FourLetterWords.mode(host(), port(), Duration.ofSeconds(1)).isPresent();
    }

    /** Stops the server (clients are disconnected); data and port are kept for {@link #restart()}. */
    public void stop() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop ZooKeeper at " + connectString(), e);
        }
        Await.until(DEFAULT_TIMEOUT, () -> !Ports.isListening(host(), port(), 200),
                () -> "ZooKeeper at " + connectString() + " to stop listening");
        log.info("ZooKeeper at {} stopped", connectString());
    }

    /** Restarts a stopped server on the same port with the same data, and waits until it serves. */
    public void restart() {
        try {
            server.restart();
        } catch (Exception e) {
            throw new IllegalStateException("cannot restart ZooKeeper at " + connectString(), e);
        }
        awaitServing(DEFAULT_TIMEOUT);
        log.info("ZooKeeper at {} restarted", connectString());
    }

    /** Waits until the server answers as serving. */
    public void awaitServing(Duration timeout) {
        Await.until(timeout, this::isServing, () -> "ZooKeeper at " + connectString() + " to serve");
    }

    /** The server's mode as reported by {@code srvr} (e.g. "standalone"), empty while not serving. */
    public Optional<String> mode() {
        return FourLetterWords.mode(host(), port(), Duration.ofSeconds(1));
    }

    @Override
    public void close() {
        BoundedClose.run("zookeeper-" + port(), closeTimeout, server::close);
        LoopbackInstances.deleteQuietly(dataDirectory());
    }

    static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0: " + d);
        }
    }
}
