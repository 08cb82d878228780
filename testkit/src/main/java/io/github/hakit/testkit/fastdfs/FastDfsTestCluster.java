package io.github.hakit.testkit.fastdfs;

import io.github.hakit.testkit.TempDirs;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A FastDFS cluster in this JVM that speaks the real wire protocol: trackers on 127.0.0.2, 127.0.0.3, …
 * and storages on 127.0.0.11, 127.0.0.12, … (every storage its own loopback address, all storages of a
 * group on one port, as FastDFS requires without storage ids), each an independent listener that a
 * test can stop, restart or black-hole. Files are kept on disk in FastDFS's {@code data/XX/YY/} layout.
 *
 * <pre>{@code
 * try (FastDfsTestCluster cluster = FastDfsTestCluster.builder()
 *         .trackers(2).group("group1", 2).group("group2", 2)
 *         .replicationDelay(Duration.ofMillis(500))
 *         .build()) {
 *     String trackers = cluster.trackerAddresses(); // "127.0.0.2:40001,127.0.0.3:40002"
 *     cluster.tracker(0).stop();                     // connection refused from now on
 *     cluster.storage("group1", 1).blackHole();      // accepts, never answers
 * }
 * }</pre>
 */
public final class FastDfsTestCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FastDfsTestCluster.class);

    private final ClusterState state;
    private final List<TestTracker> trackers;
    private final Map<String, List<TestStorage>> groups;
    private final Path root;
    private final boolean deleteRoot;
    private final ScheduledExecutorService replicator;

    private FastDfsTestCluster(Builder b) throws IOException {
        this.deleteRoot = b.dataDir == null;
        this.root = b.dataDir != null ? Files.createDirectories(b.dataDir) : Files.createTempDirectory("hakit-fdfs");
        this.replicator = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fdfs-replicator");
            t.setDaemon(true);
            return t;
        });
        this.state = new ClusterState(b.protocol, b.useStorageIds, b.replicationDelay, b.clock, new Random(),
                replicator);
        List<TestTracker> ts = new ArrayList<>();
        for (int i = 0; i < b.trackers; i++) {
            String host = "127.0.0." + (2 + i);
            ts.add(new TestTracker(state, "tracker-" + (i + 1), host, b.trackerPort != 0 ? b.trackerPort
                    : Ports.freePort(host)));
        }
        this.trackers = List.copyOf(ts);
        Map<String, List<TestStorage>> gs = new LinkedHashMap<>();
        int hostIndex = 11;
        int storageId = 100001;
        for (Map.Entry<String, Integer> g : b.groups.entrySet()) {
            List<String> hosts = new ArrayList<>();
            for (int i = 0; i < g.getValue(); i++) {
                hosts.add("127.0.0." + hostIndex++);
            }
            int groupPort = b.storagePort != 0 ? b.storagePort : Ports.freePortOnAll(hosts.toArray(String[]::new));
            List<TestStorage> storages = new ArrayList<>();
            for (String host : hosts) {
                int port = b.distinctStoragePorts && storages.size() > 0 ? Ports.freePort(host) : groupPort;
                String id = b.useStorageIds ? Integer.toString(storageId++) : null;
                Path dir = Files.createDirectories(root.resolve(g.getKey()).resolve(host).resolve("store0"));
                TestStorage s = new TestStorage(state, g.getKey(), id, host, port, dir);
                state.addStorage(s);
                storages.add(s);
            }
            gs.put(g.getKey(), List.copyOf(storages));
        }
        this.groups = gs;
    }

    /** A builder with no trackers and no groups; see {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    private FastDfsTestCluster startAll() {
        trackers.forEach(FdfsServer::start);
        groups.values().forEach(list -> list.forEach(FdfsServer::start));
        log.info("FastDFS test cluster ({}) up: trackers {}, storages {}", state.protocol, trackerAddresses(),
                storages().stream().map(FdfsServer::address).collect(Collectors.joining(",")));
        return this;
    }

    /** The wire-format generation this cluster speaks. */
    public FdfsProtocol protocol() {
        return state.protocol;
    }

    /** Whether storages are known by storage id (which then appears in file names). */
    public boolean useStorageIds() {
        return state.useStorageIds;
    }

    public List<TestTracker> trackers() {
        return trackers;
    }

    /** Tracker by index, 0-based. */
    public TestTracker tracker(int index) {
        return trackers.get(index);
    }

    /** Comma-separated {@code host:port} of all trackers, in order. */
    public String trackerAddresses() {
        return trackers.stream().map(FdfsServer::address).collect(Collectors.joining(","));
    }

    /** Group names in the order they were added. */
    public List<String> groupNames() {
        return List.copyOf(groups.keySet());
    }

    /** The storages of a group, in address order. */
    public List<TestStorage> storages(String group) {
        List<TestStorage> list = groups.get(group);
        if (list == null) {
            throw new IllegalArgumentException("unknown group: " + group + " (have " + groups.keySet() + ")");
        }
        return list;
    }

    /** A storage of a group by index, 0-based. */
    public TestStorage storage(String group, int index) {
        return storages(group).get(index);
    }

    /** All storages of all groups. */
    public List<TestStorage> storages() {
        List<TestStorage> all = new ArrayList<>();
        groups.values().forEach(all::addAll);
        return all;
    }

    /** The storage at {@code host:port}, or an exception naming it. */
    public TestStorage storageAt(String hostPort) {
        for (TestStorage s : storages()) {
            if (s.address().equals(hostPort)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no storage at " + hostPort);
    }

    /** Changes the delay before a change reaches the other storages of its group (applies to new changes). */
    public void replicationDelay(Duration delay) {
        state.replicationDelay(requireNonNegative(delay));
    }

    /** How trackers answer fetch queries; see {@link FetchRouting}. */
    public void fetchRouting(FetchRouting routing) {
        state.fetchRouting(Objects.requireNonNull(routing, "routing"));
    }

    /** Replications scheduled but not yet applied. */
    public int pendingReplications() {
        return state.pendingReplications();
    }

    /** Waits until every scheduled replication has been applied. */
    public void awaitReplication(Duration timeout) {
        Await.until(timeout, () -> state.pendingReplications() == 0,
                () -> state.pendingReplications() + " pending replications");
    }

    /** Root directory holding every storage's {@code store0/data}. */
    public Path root() {
        return root;
    }

    /** Stops every server; deletes the data unless a directory was given to the builder. */
    @Override
    public void close() {
        trackers.forEach(FdfsServer::stop);
        storages().forEach(FdfsServer::stop);
        replicator.shutdownNow();
        if (deleteRoot) {
            TempDirs.deleteTree(root);
        }
    }

    private static Duration requireNonNegative(Duration d) {
        Objects.requireNonNull(d, "delay");
        if (d.isNegative()) {
            throw new IllegalArgumentException("replication delay < 0: " + d);
        }
        return d;
    }

    /** Configures and starts a {@link FastDfsTestCluster}. Defaults: protocol 6.06, no storage ids, no delay. */
    public static final class Builder {
        private int trackers;
        private final Map<String, Integer> groups = new LinkedHashMap<>();
        private Duration replicationDelay = Duration.ZERO;
        private FdfsProtocol protocol = FdfsProtocol.V6_06;
        private boolean useStorageIds;
        private Path dataDir;
        private Clock clock = Clock.systemUTC();
        private int trackerPort;
        private int storagePort;
        private boolean distinctStoragePorts;

        private Builder() {
        }

        /**
         * The port of every tracker (each has its own address, as on real hosts: e.g. 22122); default: a free port
         * per tracker.
         */
        public Builder trackerPort(int port) {
            this.trackerPort = Ports.requireValid(port, "tracker");
            return this;
        }

        /** The port of every storage (each has its own address: e.g. 23000); default: a free port per group. */
        public Builder storagePort(int port) {
            this.storagePort = Ports.requireValid(port, "storage");
            return this;
        }

        /**
         * Gives every storage of a group but the first its own free port, as a storage-id cluster may do; the
         * trackers then report the group's storage port as -1 (observed on 6.16.1). Needs {@link #useStorageIds}.
         */
        public Builder distinctStoragePorts(boolean distinct) {
            this.distinctStoragePorts = distinct;
            return this;
        }

        /** Number of trackers (1..16, {@code FDFS_MAX_TRACKERS}). */
        public Builder trackers(int count) {
            if (count < 1 || count > 16) {
                throw new IllegalArgumentException("trackers must be 1..16: " + count);
            }
            this.trackers = count;
            return this;
        }

        /** Adds a group with {@code storages} storages (1..32, {@code FDFS_MAX_SERVERS_EACH_GROUP}). */
        public Builder group(String name, int storages) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || name.length() > Wire.GROUP_NAME_MAX_LEN || !name.matches("[A-Za-z0-9_]+")) {
                throw new IllegalArgumentException("invalid group name: '" + name + "'");
            }
            if (storages < 1 || storages > 32) {
                throw new IllegalArgumentException("storages per group must be 1..32: " + storages);
            }
            if (groups.putIfAbsent(name, storages) != null) {
                throw new IllegalArgumentException("duplicate group: " + name);
            }
            return this;
        }

        /** Delay before a change reaches the other storages of its group (default 0). */
        public Builder replicationDelay(Duration delay) {
            this.replicationDelay = requireNonNegative(delay);
            return this;
        }

        /** Wire-format generation (default {@link FdfsProtocol#V6_06}). */
        public Builder protocol(FdfsProtocol protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /** {@code use_storage_id=true}: storages get ids 100001, 100002, … which go into file names. */
        public Builder useStorageIds(boolean use) {
            this.useStorageIds = use;
            return this;
        }

        /** Keep data under this directory (kept after close); default: a temporary directory deleted on close. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Clock for file timestamps (default system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Creates the cluster and starts every server. */
        public FastDfsTestCluster build() {
            if (trackers == 0) {
                throw new IllegalStateException("no trackers configured: call trackers(n)");
            }
            if (groups.isEmpty()) {
                throw new IllegalStateException("no groups configured: call group(name, storages)");
            }
            if (distinctStoragePorts && !useStorageIds) {
                throw new IllegalStateException("distinctStoragePorts needs useStorageIds(true): without storage ids"
                        + " FastDFS requires one port per group");
            }
            if (2 + trackers > 11) {
                throw new IllegalStateException("too many trackers for 127.0.0.2..10: " + trackers);
            }
            try {
                return new FastDfsTestCluster(this).startAll();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create FastDFS test cluster", e);
            }
        }
    }
}
