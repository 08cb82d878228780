package io.github.hakit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.NoLiveEndpointException;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.fastdfs.FastDfsClusterExtension;
import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import io.github.hakit.testkit.fastdfs.FdfsServer;
import io.github.hakit.testkit.fastdfs.FetchRouting;
import io.github.hakit.testkit.fastdfs.TestStorage;
import io.github.hakit.testkit.fastdfs.TestTracker;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.csource.fastdfs.ClientGlobal;
import org.csource.fastdfs.StorageClient1;
import org.csource.fastdfs.TrackerClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** hakit's FastDFS client against the testkit cluster (2 trackers, group1 and group2 with 2 storages each). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(FastDfsClusterExtension.class)
class FastDfsClientIT {
    private static final Duration ATTEMPT = Duration.ofSeconds(1);
    private static final Duration CHECK_INTER = Duration.ofMillis(300);
    private FastDfsTestCluster cluster;
    private FastDfsClient client;

    @BeforeAll
    void sharedCluster(FastDfsTestCluster shared) {
        cluster = shared;
    }

    @BeforeEach
    void freshClientAndHealthyCluster() {
        cluster.trackers().forEach(t -> {
            t.resume();
            t.start();
        });
        cluster.storages().forEach(s -> {
            s.resume();
            s.start();
        });
        cluster.replicationDelay(Duration.ZERO);
        cluster.fetchRouting(FetchRouting.SYNC_AWARE);
        client = newClient();
    }

    @AfterEach
    void noConnectionLeaksThenClose() {
        for (FdfsServer s : cluster.storages()) {
            assertEquals(0, client.pool().inUse(s.address()), "connections still borrowed from " + s.address());
        }
        for (FdfsServer t : cluster.trackers()) {
            assertEquals(0, client.pool().inUse(t.address()), "connections still borrowed from " + t.address());
        }
        client.close();
    }

    private FastDfsClient newClient() {
        return FastDfsClient.builder().trackers(cluster.trackerAddresses())
                .connectTimeout(ATTEMPT).networkTimeout(ATTEMPT)
                .healthCheck(HealthCheckConfig.builder().inter(CHECK_INTER).timeout(CHECK_INTER).build())
                .build();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void uploadsToAnyGroupNamedGroupAndNamedStorage() {
        Set<String> groups = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            groups.add(client.upload(bytes("any " + i), "txt").group());
        }
        assertEquals(Set.of("group1", "group2"), groups);

        FileId inGroup2 = client.upload(UploadSource.of(bytes("two")), UploadRequest.builder().group("group2").ext("txt")
                .build());
        assertEquals("group2", inGroup2.group());

        TestStorage target = cluster.storage("group1", 1);
        FileId onStorage = client.upload(UploadSource.of(bytes("there")),
                UploadRequest.builder().storage(target.address()).build());
        assertEquals("group1", onStorage.group());
        assertTrue(target.hasFile(onStorage.remoteName()), "stored on " + target.address());
        assertEquals("there", new String(client.downloadBytes(onStorage), StandardCharsets.UTF_8));
    }

    @Test
    void namedStorageThatIsDownIsReplacedByAnotherOfItsGroup() {
        TestStorage down = cluster.storage("group2", 0);
        down.stop();
        FileId id = client.upload(UploadSource.of(bytes("detour")), UploadRequest.builder().storage(down.address())
                .build());
        assertEquals("group2", id.group());
        assertTrue(cluster.storage("group2", 1).hasFile(id.remoteName()));
    }

    @Test
    void oneShotStreamIsNotReplayedAfterAStorageFailedMidUpload() {
        TestStorage frozen = cluster.storage("group1", 0);
        byte[] data = new byte[2 * 1024 * 1024];
        frozen.blackHole();
        RuntimeException e = assertThrows(RuntimeException.class, () -> client.upload(
                UploadSource.of(new java.io.ByteArrayInputStream(data), data.length),
                UploadRequest.builder().storage(frozen.address()).build()));
        assertTrue(e instanceof PossibleOrphanException || e.getMessage().contains("cannot be replayed"), e.toString());
        frozen.resume();
    }

    @Test
    void downloadsFromEachReplica() {
        FileId id = client.upload(UploadSource.of(bytes("replicated")), UploadRequest.builder().group("group1").build());
        cluster.awaitReplication(Duration.ofSeconds(10));
        for (TestStorage only : cluster.storages("group1")) {
            cluster.storages("group1").forEach(s -> {
                if (s != only) {
                    s.stop();
                }
            });
            assertEquals("replicated", new String(client.downloadBytes(id), StandardCharsets.UTF_8), only.name());
            cluster.storages("group1").forEach(FdfsServer::start);
        }
    }

    @Test
    void metadataInfoRangeAppendAndDelete(@TempDir Path tmp) throws Exception {
        FileId id = client.upload(UploadSource.of(bytes("0123456789")),
                UploadRequest.builder().ext("bin").metadata("owner", "ops").metadata("kind", "test").build());
        assertEquals(Map.of("owner", "ops", "kind", "test"), client.metadata(id));
        client.setMetadata(id, Map.of("kind", "changed"), true);
        assertEquals(Map.of("owner", "ops", "kind", "changed"), client.metadata(id));
        FileInfo info = client.info(id);
        assertEquals(10, info.size());
        ByteArrayOutputStream range = new ByteArrayOutputStream();
        client.download(id, 3, 4, range);
        assertEquals("3456", range.toString(StandardCharsets.UTF_8));
        Path target = tmp.resolve("copy.bin");
        client.download(id, target);
        assertEquals("0123456789", Files.readString(target));

        FileId appender = client.upload(UploadSource.of(bytes("ab")), UploadRequest.builder().appender().build());
        client.append(appender, UploadSource.of(bytes("cd")));
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals("abcd", new String(client.downloadBytes(appender), StandardCharsets.UTF_8));
        client.modify(appender, 1, UploadSource.of(bytes("XY")));
        client.truncate(appender, 3);
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals("aXY", new String(client.downloadBytes(appender), StandardCharsets.UTF_8));
        FastDfsServerException notAppender = assertThrows(FastDfsServerException.class,
                () -> client.truncate(id, 1));
        assertEquals(FastDfsServerException.EINVAL, notAppender.errno());

        FileId slave = client.upload(UploadSource.of(bytes("small")), UploadRequest.builder().slaveOf(id, "_s").ext("bin")
                .build());
        assertTrue(slave.remoteName().contains("_s"), slave.toString());

        client.delete(id);
        FastDfsServerException gone = assertThrows(FastDfsServerException.class, () -> client.downloadBytes(id));
        assertTrue(gone.isNotFound(), gone.getMessage());
    }

    @Test
    void stockJavaClientAndHakitReadEachOthersFiles() throws Exception {
        Properties p = new Properties();
        p.setProperty(ClientGlobal.PROP_KEY_TRACKER_SERVERS, cluster.trackerAddresses());
        p.setProperty(ClientGlobal.PROP_KEY_CONNECTION_POOL_ENABLED, "false");
        ClientGlobal.initByProperties(p);
        StorageClient1 stock = new StorageClient1(new TrackerClient().getTrackerServer(), null);
        FileId byHakit = client.upload(bytes("from hakit"), "txt");
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertArrayEquals(bytes("from hakit"), stock.download_file1(byHakit.toString()));
        String byStock = stock.upload_file1(bytes("from stock"), "txt", null);
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals("from stock", new String(client.downloadBytes(FileId.parse(byStock)), StandardCharsets.UTF_8));
        assertEquals(stock.get_file_info1(byStock).getFileSize(), client.info(FileId.parse(byStock)).size());
    }

    @Test
    void killingTrackerOneDuring500UploadsCostsNoCallerFailure() {
        TestTracker first = cluster.tracker(0);
        int secondBefore = cluster.tracker(1).queries();
        int failures = 0;
        for (int i = 0; i < 500; i++) {
            if (i == 100) {
                first.stop();
            }
            try {
                client.upload(bytes("n" + i), "txt");
            } catch (RuntimeException e) {
                failures++;
            }
        }
        assertEquals(0, failures);
        assertTrue(!first.isListening());
        assertTrue(cluster.tracker(1).queries() - secondBefore >= 400, "tracker 2 took over");
    }

    @Test
    void blackHoledTrackerCostsAtMostOneTimeoutThenIsSkipped() {
        cluster.tracker(0).blackHole();
        List<Long> millis = new ArrayList<>();
        int failures = 0;
        for (int i = 0; i < 40; i++) {
            long t0 = System.nanoTime();
            try {
                client.upload(bytes("b" + i), "txt");
            } catch (RuntimeException e) {
                failures++;
            }
            millis.add((System.nanoTime() - t0) / 1_000_000);
        }
        long slow = millis.stream().filter(m -> m >= ATTEMPT.toMillis() * 8 / 10).count();
        assertEquals(0, failures);
        assertTrue(slow <= 2, "calls that waited for the frozen tracker: " + slow + " " + millis);
        // once marked down, the frozen tracker costs no further timeout
        assertTrue(millis.subList(5, 40).stream().noneMatch(m -> m >= ATTEMPT.toMillis() * 8 / 10), millis.toString());
    }

    @Test
    void eightThreadsUploadAndDownloadThroughATrackerKillWithoutFailures() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 40; i++) {
                    try {
                        String text = "t" + thread + "-" + i;
                        FileId id = client.upload(bytes(text), "txt");
                        if (!text.equals(new String(client.downloadBytes(id), StandardCharsets.UTF_8))) {
                            failures.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                    if (done.incrementAndGet() == 80) {
                        cluster.tracker(0).stop();
                    }
                }
            }));
        }
        for (java.util.concurrent.Future<?> f : futures) {
            f.get(120, java.util.concurrent.TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(320, done.get());
        assertEquals(0, failures.get());
    }

    @Test
    void frozenStorageCostsOneTimeoutForDownloadsThenIsAvoided() {
        List<FileId> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(client.upload(UploadSource.of(bytes("cold" + i)), UploadRequest.builder().group("group1").build()));
        }
        cluster.awaitReplication(Duration.ofSeconds(10));
        cluster.fetchRouting(FetchRouting.IGNORE_SYNC); // the tracker keeps sending reads to both storages
        cluster.storage("group1", 0).blackHole();
        List<Long> millis = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < ids.size(); i++) {
                long t0 = System.nanoTime();
                assertEquals("cold" + i, new String(client.downloadBytes(ids.get(i)), StandardCharsets.UTF_8));
                millis.add((System.nanoTime() - t0) / 1_000_000);
            }
        }
        long slow = millis.stream().filter(m -> m >= ATTEMPT.toMillis() * 8 / 10).count();
        assertTrue(slow <= 1, "downloads that waited for the frozen storage: " + millis);
    }

    @Test
    void trackerAnsweringGarbageIsSkippedWithinTheCall() throws Exception {
        try (GarbageServer garbage = new GarbageServer("127.0.0.4");
                FastDfsClient withGarbage = FastDfsClient.builder()
                        .trackers(garbage.address() + "," + cluster.tracker(1).address())
                        .networkTimeout(ATTEMPT).healthCheck(null).build()) {
            for (int i = 0; i < 10; i++) {
                withGarbage.upload(bytes("g" + i), "txt");
            }
            assertTrue(garbage.connections() >= 1, "the garbage tracker was tried");
        }
    }

    @Test
    void killingOneStorageOfGroup1KeepsDownloadsWorking() {
        List<FileId> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(client.upload(UploadSource.of(bytes("f" + i)), UploadRequest.builder().group("group1").build()));
        }
        cluster.awaitReplication(Duration.ofSeconds(10));
        cluster.storage("group1", 0).stop();
        for (int i = 0; i < ids.size(); i++) {
            assertEquals("f" + i, new String(client.downloadBytes(ids.get(i)), StandardCharsets.UTF_8));
        }
    }

    @Test
    void replicaThatHasNotSyncedYetFallsBackToTheSource() {
        cluster.replicationDelay(Duration.ofSeconds(3));
        cluster.fetchRouting(FetchRouting.IGNORE_SYNC); // the tracker sends reads to the unsynced replica too
        for (int i = 0; i < 10; i++) {
            FileId id = client.upload(UploadSource.of(bytes("fresh" + i)), UploadRequest.builder().group("group2").build());
            assertEquals("fresh" + i, new String(client.downloadBytes(id), StandardCharsets.UTF_8));
            assertEquals("fresh" + i, new String(client.downloadBytes(id), StandardCharsets.UTF_8));
        }
        assertTrue(cluster.pendingReplications() > 0, "the replicas had not synced during the reads");
        cluster.awaitReplication(Duration.ofSeconds(20));
    }

    @Test
    void storageDyingMidDownloadResumesOnTheReplica() throws Exception {
        byte[] big = new byte[4 * 1024 * 1024];
        new java.util.Random(7).nextBytes(big);
        FileId id = client.upload(UploadSource.of(big), UploadRequest.builder().group("group2").build());
        cluster.awaitReplication(Duration.ofSeconds(20));
        try (InputStream in = client.openStream(id)) {
            byte[] head = in.readNBytes(1024 * 1024);
            // restart both storages one after the other: the connection we read from breaks mid-file
            for (TestStorage s : cluster.storages("group2")) {
                s.stop();
                s.start();
            }
            byte[] rest = in.readAllBytes();
            byte[] all = new byte[head.length + rest.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(rest, 0, all, head.length, rest.length);
            assertArrayEquals(big, all);
        }
    }

    @Test
    void allTrackersDownNamesEachTrackerAndCause() {
        cluster.trackers().forEach(FdfsServer::stop);
        NoLiveEndpointException e = assertThrows(NoLiveEndpointException.class, () -> client.upload(bytes("x"), "txt"));
        for (TestTracker t : cluster.trackers()) {
            assertTrue(e.getMessage().contains(t.address()) || e.attempts().stream()
                    .anyMatch(a -> a.endpoint().address().equals(t.address())), e.getMessage());
        }
        assertEquals(2, e.attempts().size(), e.attempts().toString());
        assertTrue(e.attempts().stream().allMatch(a -> a.error() instanceof java.net.ConnectException),
                e.attempts().toString());
    }

    @Test
    void fullGroupIsAnEnospcErrorNotARetry() {
        cluster.storages("group1").forEach(s -> s.diskFull(true));
        try {
            FastDfsServerException e = assertThrows(FastDfsServerException.class, () -> client.upload(
                    UploadSource.of(bytes("x")), UploadRequest.builder().group("group1").build()));
            assertEquals(FastDfsServerException.ENOSPC, e.errno());
            // other groups still take uploads
            assertEquals("group2", client.upload(bytes("y"), "txt").group());
        } finally {
            cluster.storages("group1").forEach(s -> s.diskFull(false));
        }
    }

    @Test
    void unknownGroupIsAClearError() {
        UnknownGroupException e = assertThrows(UnknownGroupException.class, () -> client.upload(
                UploadSource.of(bytes("x")), UploadRequest.builder().group("group9").build()));
        assertEquals("group9", e.group());
    }

    @Test
    void forgedFileIdsAreRejectedBeforeAnyIo() {
        int before = cluster.tracker(0).queries() + cluster.tracker(1).queries();
        for (String forged : List.of("group1/M00/../../etc/passwd", "/group1/M00/00/00/abc", "group1/etc/passwd",
                "group1/M00/00/00/short", "gr oup/M00/00/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt",
                "group1/M00/00/00/" + "a".repeat(200), "group1/M00/0G/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt",
                "group12345678901234/M00/00/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt")) {
            assertThrows(IllegalArgumentException.class, () -> client.downloadBytes(FileId.parse(forged)), forged);
        }
        assertEquals(before, cluster.tracker(0).queries() + cluster.tracker(1).queries());
    }

    @Test
    void clusterViewShowsGroupsStoragesAndStates() {
        cluster.storage("group2", 1).stop();
        ClusterView view = client.clusterView();
        assertEquals(ProtocolLayout.V6_06, view.layout());
        assertEquals(List.of("group1", "group2"), view.groups().stream().map(GroupView::name).toList());
        GroupView g2 = view.group("group2").orElseThrow();
        assertEquals(2, g2.storageCount());
        assertEquals(1, g2.activeCount());
        assertEquals(StorageStatus.ACTIVE, g2.storages().get(0).status());
        assertEquals(StorageStatus.OFFLINE, g2.storages().get(1).status());
        assertEquals(cluster.storage("group2", 1).host(), g2.storages().get(1).host());
    }

    @Test
    void restartedTrackerIsUsedAgainAfterHealthChecksPass() {
        TestTracker first = cluster.tracker(0);
        io.github.hakit.core.Endpoint configured = client.trackers().endpoints().stream()
                .filter(e -> e.address().equals(first.address())).findFirst().orElseThrow();
        // active checks: fall (or rise) checks of at most inter + timeout each; margin x4 for a loaded 2-CPU machine
        Duration checks = CHECK_INTER.plus(CHECK_INTER).multipliedBy(3L * 4);
        first.stop();
        client.upload(bytes("while down"), "txt");
        // the active checks must take it DOWN ("DOWN"), not only the passive accounting ("DOWN (passive)")
        Await.until(checks, () -> trackerStatus(first).equals("DOWN"),
                () -> "tracker 1 DOWN by its checks: " + client.trackers().status().render());
        int before = first.queries();
        first.start();
        Await.until(checks, () -> trackerStatus(first).equals("UP"),
                () -> "tracker 1 UP by its checks: " + client.trackers().status().render());
        // a passive ejection from the failed upload lasts at most fail_timeout from that failure
        Await.until(configured.failTimeout().plus(checks), () -> {
            client.upload(bytes("after"), "txt");
            return first.queries() > before;
        }, () -> "tracker 1 used again: " + client.trackers().status().render());
    }

    private String trackerStatus(TestTracker t) {
        return client.trackers().status().endpoint(t.address()).statusText();
    }
}
