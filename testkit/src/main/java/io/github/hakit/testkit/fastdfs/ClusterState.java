package io.github.hakit.testkit.fastdfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a real cluster's trackers learn from storage heartbeats and what the storages' sync threads do,
 * shared by the in-JVM servers: group membership, storage liveness (a stopped storage is OFFLINE at
 * once, like the 0.3 s a real tracker needs; a black-holed one stays ACTIVE), and replication of every
 * change to the other storages of the group after an optional delay.
 */
final class ClusterState {
    private static final Logger log = LoggerFactory.getLogger(ClusterState.class);
    private static final Duration RETRY = Duration.ofMillis(200);
    /** tracker.conf {@code storage_sync_file_max_delay} default: 86400 s. */
    static final long SYNC_FILE_MAX_DELAY_S = 86_400;
    /** tracker.conf {@code storage_sync_file_max_time} default: 300 s. */
    static final long SYNC_FILE_MAX_TIME_S = 300;

    enum Op {
        COPY,
        DELETE
    }

    final FdfsProtocol protocol;
    final boolean useStorageIds;
    private final Map<String, List<TestStorage>> groups = new TreeMap<>();
    private final Clock clock;
    private final RandomGenerator random;
    private final ScheduledExecutorService replicator;
    private final AtomicInteger pendingReplications = new AtomicInteger();
    private volatile Duration replicationDelay;
    private volatile FetchRouting fetchRouting = FetchRouting.SYNC_AWARE;

    ClusterState(FdfsProtocol protocol, boolean useStorageIds, Duration replicationDelay, Clock clock,
            RandomGenerator random, ScheduledExecutorService replicator) {
        this.protocol = protocol;
        this.useStorageIds = useStorageIds;
        this.replicationDelay = replicationDelay;
        this.clock = clock;
        this.random = random;
        this.replicator = replicator;
    }

    void addStorage(TestStorage storage) {
        groups.computeIfAbsent(storage.group(), g -> new ArrayList<>()).add(storage);
    }

    long nowSeconds() {
        return clock.millis() / 1000;
    }

    RandomGenerator random() {
        return random;
    }

    FetchRouting fetchRouting() {
        return fetchRouting;
    }

    void fetchRouting(FetchRouting routing) {
        this.fetchRouting = routing;
    }

    void replicationDelay(Duration delay) {
        this.replicationDelay = delay;
    }

    /** Group names in sorted order (the tracker's {@code sorted_groups}). */
    List<String> groupNames() {
        return new ArrayList<>(groups.keySet());
    }

    List<TestStorage> storages(String group) {
        List<TestStorage> list = groups.get(group);
        return list == null ? null : Collections.unmodifiableList(list);
    }

    List<TestStorage> allStorages() {
        List<TestStorage> all = new ArrayList<>();
        groups.values().forEach(all::addAll);
        return all;
    }

    /** ACTIVE storages of a group ordered by IP ({@code active_servers}); null for an unknown group. */
    List<TestStorage> activeStorages(String group) {
        List<TestStorage> list = groups.get(group);
        if (list == null) {
            return null;
        }
        List<TestStorage> active = new ArrayList<>();
        for (TestStorage s : list) {
            if (s.status() == Wire.STATUS_ACTIVE) {
                active.add(s);
            }
        }
        return active;
    }

    /** ACTIVE storages of a group with space for uploads; null for an unknown group. */
    List<TestStorage> writableStorages(String group) {
        List<TestStorage> active = activeStorages(group);
        if (active == null) {
            return null;
        }
        active.removeIf(TestStorage::isDiskFull);
        return active;
    }

    /**
     * Whether a tracker offers {@code storage} for reading {@code file} ({@code tracker_mem_get_storage_by_filename},
     * 6.16): the source itself; any storage for a file older than {@code storage_sync_file_max_delay} (1 day); a
     * replica whose reported sync timestamp is past the file's second; or one synced up to the second before it once
     * the file is older than {@code storage_sync_file_max_time} (300 s). In {@link FetchRouting#SYNC_AWARE} a replica
     * reports a file as soon as it has applied it; in {@link FetchRouting#TRACKER_616} it counts only files of a later
     * second, as a real storage's report does.
     */
    boolean offers(TestStorage storage, FdfsFileName file, String remoteFilename) {
        if (storage.sourceKey().equals(file.source())) {
            return true;
        }
        FetchRouting routing = fetchRouting;
        if (routing == FetchRouting.IGNORE_SYNC) {
            return true;
        }
        long now = nowSeconds();
        long ts = file.timestamp();
        long synced = storage.syncedUntil(file.source());
        if (ts < now - SYNC_FILE_MAX_DELAY_S || synced > ts || (synced + 1 >= ts && now - ts > SYNC_FILE_MAX_TIME_S)) {
            return true;
        }
        return routing == FetchRouting.SYNC_AWARE && synced >= ts && storage.hasFile(remoteFilename);
    }

    /** The IP of the storage a file name names as its source, null if unknown. */
    String ipOfSource(String source) {
        for (TestStorage s : allStorages()) {
            if (s.sourceKey().equals(source) || s.host().equals(source)) {
                return s.host();
            }
        }
        return null;
    }

    int pendingReplications() {
        return pendingReplications.get();
    }

    /** Schedules the change to {@code remoteFilename} on every other storage of the source's group. */
    void replicate(TestStorage source, Op op, String remoteFilename) {
        long timestamp = FdfsFileName.parse(remoteFilename).timestamp();
        for (TestStorage peer : groups.get(source.group())) {
            if (peer != source) {
                pendingReplications.incrementAndGet();
                schedule(source, peer, op, remoteFilename, timestamp, replicationDelay);
            }
        }
    }

    private void schedule(TestStorage source, TestStorage peer, Op op, String name, long timestamp, Duration delay) {
        try {
            replicator.schedule(() -> apply(source, peer, op, name, timestamp), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            pendingReplications.decrementAndGet(); // cluster closing
        }
    }

    private void apply(TestStorage source, TestStorage peer, Op op, String name, long timestamp) {
        // the source's sync thread pushes to the peer: both must be up and not frozen, and the peer must not have
        // replication paused; otherwise the change waits (storage_sync.c retries until the peer answers)
        if (source.mode() != FdfsServer.Mode.RUNNING || peer.mode() != FdfsServer.Mode.RUNNING
                || peer.isReplicationPaused()) {
            schedule(source, peer, op, name, timestamp, RETRY);
            return;
        }
        try {
            Path target = peer.dataFile(name);
            Path targetMeta = peer.metaFile(name);
            if (op == Op.DELETE) {
                Files.deleteIfExists(target);
                Files.deleteIfExists(targetMeta);
            } else {
                Path from = source.dataFile(name);
                if (Files.exists(from)) {
                    Files.createDirectories(target.getParent());
                    Path tmp = target.resolveSibling(target.getFileName() + ".sync");
                    Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    Path fromMeta = source.metaFile(name);
                    if (Files.exists(fromMeta)) {
                        Files.copy(fromMeta, targetMeta, StandardCopyOption.REPLACE_EXISTING);
                    } else {
                        Files.deleteIfExists(targetMeta);
                    }
                }
            }
            peer.markSynced(source.sourceKey(), timestamp);
            pendingReplications.decrementAndGet();
        } catch (IOException e) {
            log.warn("replicating {} from {} to {} failed, retrying", name, source.name(), peer.name(), e);
            schedule(source, peer, op, name, timestamp, RETRY);
        }
    }
}
