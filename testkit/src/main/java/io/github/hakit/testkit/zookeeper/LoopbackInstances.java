package io.github.hakit.testkit.zookeeper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import io.github.hakit.testkit.Ports;
import org.apache.curator.test.InstanceSpec;

/** Builds curator-test {@link InstanceSpec}s whose every socket is on a loopback address. */
final class LoopbackInstances {
    private LoopbackInstances() {
    }

    /**
     * A member listening only on {@code loopbackHost}: the client port through the
     * {@code clientPortAddress} property (TestingServer otherwise binds all interfaces), quorum and
     * election ports through the spec's host name (they go into {@code server.N=host:quorum:election}).
     * The Jetty admin server (on by default, port 8080, all interfaces) is switched off: unknown keys of
     * the config are copied to {@code zookeeper.*} system properties by {@code QuorumPeerConfig}.
     */
    static InstanceSpec spec(String loopbackHost, int serverId, Duration tickTime) {
        return spec(loopbackHost, 0, serverId, tickTime);
    }

    /** As {@link #spec(String, int, Duration)} with a chosen client port (0 = a free one). */
    static InstanceSpec spec(String loopbackHost, int clientPort, int serverId, Duration tickTime) {
        Ports.loopback(loopbackHost);
        Path dataDir;
        try {
            dataDir = Files.createTempDirectory("hakit-zk-" + serverId + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a ZooKeeper data directory", e);
        }
        Map<String, Object> custom = Map.of(
                "clientPortAddress", loopbackHost,
                "admin.enableServer", "false");
        int tick = tickTime == null ? -1 : (int) tickTime.toMillis();
        return new InstanceSpec(dataDir.toFile(), clientPort != 0 ? clientPort : Ports.freePort(loopbackHost),
                Ports.freePort(loopbackHost),
                Ports.freePort(loopbackHost), true, serverId, tick, -1, custom, loopbackHost);
    }

    static void validateTickTime(Duration tickTime) {
        if (tickTime != null && (tickTime.toMillis() <= 0 || tickTime.toMillis() > 60_000)) {
            throw new IllegalArgumentException("tickTime must be within 1 ms..60 s: " + tickTime);
        }
    }

    /** Removes a data directory a hung close left behind; failures are ignored (temp files). */
    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: it is a temporary directory
        }
    }
}
