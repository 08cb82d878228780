package io.github.hakit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.fastdfs.FastDfsClusterExtension;
import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import io.github.hakit.testkit.fastdfs.FetchRouting;
import io.github.hakit.testkit.fastdfs.TestStorage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A storage frozen like {@code kill -STOP} on the testkit cluster behaving like 6.16 (issue 10 §1): the trackers
 * keep it ACTIVE and offer fresh files from it alone. Downloads of its fresh files must come from the replica
 * with at most one timeout; uploads the tracker sends to it cost at most one timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(FastDfsClusterExtension.class)
class FrozenStorageIT {
    private static final Duration NETWORK = Duration.ofSeconds(1);
    private FastDfsTestCluster cluster;
    private TestStorage frozen;
    private TestStorage replica;

    @BeforeAll
    void sharedCluster(FastDfsTestCluster shared) {
        cluster = shared;
    }

    @BeforeEach
    void routeLike616() {
        cluster.storages().forEach(s -> {
            s.unfreeze();
            s.start();
        });
        cluster.replicationDelay(Duration.ZERO);
        cluster.fetchRouting(FetchRouting.TRACKER_616);
        frozen = cluster.storage("group1", 0);
        replica = cluster.storage("group1", 1);
    }

    @AfterEach
    void thaw() {
        frozen.unfreeze();
        cluster.fetchRouting(FetchRouting.SYNC_AWARE);
    }

    private FastDfsClient client() {
        // the ejection must outlast the test: one timeout per storageFailTimeout is the promise
        return FastDfsClient.builder().trackers(cluster.trackerAddresses()).connectTimeout(NETWORK)
                .networkTimeout(NETWORK).callTimeout(Duration.ofSeconds(10)).storageFailTimeout(Duration.ofMinutes(2))
                .build();
    }

    @Test
    void freezingTheSourceDuring200DownloadsOfFreshFilesCostsNoFailureAndAtMostOneTimeout() {
        try (FastDfsClient client = client()) {
            List<FileId> ids = new ArrayList<>();
            List<byte[]> contents = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                byte[] data = ("fresh " + i).getBytes(StandardCharsets.UTF_8);
                ids.add(client.upload(UploadSource.of(data), UploadRequest.builder().storage(frozen.address()).build()));
                contents.add(data);
            }
            // a frozen process replicates nothing: the files reach the replica first (as they would within ~3 s)
            Await.until(Duration.ofSeconds(20), () -> ids.stream().allMatch(id -> replica.hasFile(id.remoteName())),
                    () -> "replicated to " + replica.address());
            frozen.freeze();
            int failures = 0;
            long slowest = 0;
            for (int i = 0; i < ids.size(); i++) {
                long start = System.nanoTime();
                try {
                    assertArrayEquals(contents.get(i), client.downloadBytes(ids.get(i)));
                } catch (RuntimeException e) {
                    failures++;
                }
                slowest = Math.max(slowest, System.nanoTime() - start);
            }
            var row = client.storages().status().endpoint(frozen.address());
            System.out.printf("frozen source, 200 fresh downloads: %d failures, %d timeout(s) on it, slowest %d ms%n",
                    failures, row.failures(), slowest / 1_000_000);
            assertEquals(0, failures);
            assertTrue(row.failures() <= 1, client.storages().status().render());
        }
    }

    @Test
    void uploadsWhileAStorageIsFrozenCostAtMostOneTimeout() {
        try (FastDfsClient client = client()) {
            frozen.freeze();
            int orphans = 0;
            List<FileId> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                try {
                    ids.add(client.upload(UploadSource.of(("u" + i).getBytes(StandardCharsets.UTF_8)),
                            UploadRequest.builder().group("group1").build()));
                } catch (PossibleOrphanException e) {
                    assertEquals(frozen.address(), e.storage());
                    orphans++;
                }
            }
            assertTrue(orphans <= 1, orphans + " uploads waited for the frozen storage");
            assertTrue(ids.size() >= 19);
            for (FileId id : ids) {
                assertTrue(replica.hasFile(id.remoteName()), id + " on the live storage");
            }
        }
    }
}
