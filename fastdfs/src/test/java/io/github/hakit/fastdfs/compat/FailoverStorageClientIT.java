package io.github.hakit.fastdfs.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.fastdfs.FastDfsClient;
import io.github.hakit.fastdfs.FastDfsServerException;
import io.github.hakit.fastdfs.FileId;
import io.github.hakit.fastdfs.FileInfo;
import io.github.hakit.fastdfs.UploadRequest;
import io.github.hakit.fastdfs.UploadSource;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.csource.common.MyException;
import org.csource.common.NameValuePair;
import org.csource.fastdfs.ClientGlobal;
import org.csource.fastdfs.StorageClient1;
import org.csource.fastdfs.TrackerClient;
import org.csource.fastdfs.TrackerGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * fastdfs-client-java's own calls ({@code StorageClient1.upload_file1 / download_file1}) against the testkit
 * cluster while tracker 1 is down: through hakit's {@link FailoverStorageClient} none fails; the stock client's
 * usual pattern ({@code new StorageClient1(new TrackerClient().getTrackerServer(), null)}) fails every other call,
 * because its tracker group rotates blindly and a call given a tracker does not fail over.
 */
class FailoverStorageClientIT {
    private static final int CALLS = 40;
    private static final HealthCheckConfig FAST_CHECKS = HealthCheckConfig.builder().inter(Duration.ofMillis(200))
            .fastInter(Duration.ofMillis(100)).rise(2).fall(2).timeout(Duration.ofMillis(500)).build();

    private static FastDfsTestCluster cluster;
    private static FastDfsClient hakit;

    @BeforeAll
    static void start() throws Exception {
        cluster = FastDfsTestCluster.builder().trackers(2).group("group1", 2).group("group2", 2).build();
        Properties p = new Properties();
        p.setProperty(ClientGlobal.PROP_KEY_TRACKER_SERVERS, cluster.trackerAddresses());
        p.setProperty(ClientGlobal.PROP_KEY_CONNECT_TIMEOUT_IN_SECONDS, "2");
        p.setProperty(ClientGlobal.PROP_KEY_NETWORK_TIMEOUT_IN_SECONDS, "5");
        p.setProperty(ClientGlobal.PROP_KEY_CONNECTION_POOL_ENABLED, "false");
        ClientGlobal.initByProperties(p);
        hakit = FastDfsClient.builder().trackers(cluster.trackerAddresses()).connectTimeout(Duration.ofSeconds(1))
                .networkTimeout(Duration.ofSeconds(2)).healthCheck(FAST_CHECKS).build();
    }

    @AfterEach
    void restartTracker() {
        cluster.tracker(0).start();
        Await.until(Duration.ofSeconds(10), () -> hakit.trackers().status().endpoints().stream()
                .allMatch(e -> e.state().takesTraffic()), () -> hakit.trackers().status().render());
    }

    @AfterAll
    static void stop() {
        if (hakit != null) {
            hakit.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void stockCallsThroughHakitFailNoneWhileATrackerIsKilledWhereTheStockClientAloneFailsAboutHalf() throws Exception {
        FailoverStorageClient fdfs = FailoverStorageClient.over(hakit);
        List<String> ids = new ArrayList<>();
        int hakitFailures = 0;
        Exception firstFailure = null;
        for (int i = 0; i < CALLS; i++) {
            if (i == CALLS / 4) {
                cluster.tracker(0).stop(); // connection refused from now on, open connections closed
            }
            byte[] content = content(i);
            try {
                String group = i % 2 == 0 ? "group2" : null;
                String id = fdfs.write(group, c -> c.upload_file1(group, content, "bin", null));
                assertNotNull(id, "upload " + i);
                if (group != null) {
                    assertTrue(id.startsWith("group2/"), id);
                }
                assertArrayEquals(content, fdfs.read(id, c -> c.download_file1(id)), "download of " + id);
                ids.add(id);
            } catch (Exception e) {
                hakitFailures++;
                firstFailure = firstFailure == null ? e : firstFailure;
            }
        }
        assertEquals(0, hakitFailures, "calls through hakit that failed, first: " + firstFailure);

        // the stock client alone, on the same cluster with tracker 1 still down: its usual per-call pattern
        int stockFailures = 0;
        TrackerGroup stockGroup = ClientGlobal.getG_tracker_group();
        for (int i = 0; i < CALLS; i++) {
            try {
                StorageClient1 stock = new StorageClient1(new TrackerClient(stockGroup).getTrackerServer(), null);
                String id = ids.get(i);
                byte[] data = i % 2 == 0 ? stock.download_file1(id) : null;
                String uploaded = i % 2 == 1 ? stock.upload_file1(content(i), "bin", null) : "";
                if ((i % 2 == 0 && data == null) || uploaded == null) {
                    stockFailures++;
                }
            } catch (java.io.IOException | MyException e) {
                stockFailures++;
            }
        }
        // the stock group alternates between the two trackers: every call given the dead one fails
        assertTrue(stockFailures >= CALLS * 4 / 10 && stockFailures <= CALLS * 6 / 10,
                "stock client failures: " + stockFailures + " of " + CALLS + " (expected about half)");
    }

    @Test
    void theHakitTrackerGroupHandsStockCodeOnlyLiveTrackersOnceTheChecksMarkedTheDeadOneDown() throws Exception {
        cluster.tracker(0).stop();
        String dead = cluster.tracker(0).address();
        Await.until(Duration.ofSeconds(10), () -> hakit.trackers().status().endpoints().stream()
                .anyMatch(e -> e.name().equals(dead) && !e.state().takesTraffic()), () -> hakit.trackers().status().render());
        HakitTrackerGroup group = new HakitTrackerGroup(hakit.trackers());
        int failures = 0;
        for (int i = 0; i < CALLS / 2; i++) {
            try {
                StorageClient1 stock = new StorageClient1(new TrackerClient(group).getTrackerServer(), null);
                String id = stock.upload_file1(content(i), "bin", new NameValuePair[] {new NameValuePair("n", "" + i)});
                if (id == null || !new String(stock.download_file1(id), StandardCharsets.UTF_8).equals("file " + i)) {
                    failures++;
                }
            } catch (java.io.IOException | MyException e) {
                failures++;
            }
        }
        assertEquals(0, failures, "stock calls given trackers by HakitTrackerGroup that failed");
    }

    @Test
    void theOneLinersMapOneToOneAndFailWithTheStockExceptions() throws Exception {
        FailoverStorageClient fdfs = FailoverStorageClient.over(hakit);
        NameValuePair[] meta = {new NameValuePair("owner", "ops")};
        String id = fdfs.upload_file1("group1", content(7), "txt", meta);
        assertTrue(id.startsWith("group1/"), id);
        assertArrayEquals(content(7), fdfs.download_file1(id));
        assertEquals("ops", fdfs.get_metadata1(id)[0].getValue());
        assertEquals(content(7).length, fdfs.query_file_info1(id).getFileSize());
        assertEquals(0, fdfs.delete_file1(id));
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals(null, fdfs.download_file1(id), "a deleted file reads as the stock client's null");

        MyException unknownGroup = assertThrows(MyException.class, () -> fdfs.upload_file1("nosuch", content(1), "txt", null));
        assertTrue(unknownGroup.getMessage().contains("group nosuch"), unknownGroup.getMessage());
        MyException badId = assertThrows(MyException.class, () -> fdfs.download_file1("no-slash"));
        assertTrue(badId.getMessage().contains("'no-slash'"), badId.getMessage());
    }

    /** Each row of docs/MIGRATION-fastdfs-client-java.md: the stock call and its FastDfsClient twin agree. */
    @Test
    void everyRowOfTheMigrationTableAnswersLikeTheStockCall() throws Exception {
        StorageClient1 stock = new StorageClient1(); // ClientGlobal's trackers, as most apps have it
        byte[] bytes = content(11);

        // upload_file1(group, bytes, ext, meta)  ->  upload(UploadSource.of(bytes), UploadRequest.builder()...)
        String stockId = stock.upload_file1("group2", bytes, "jpg", new NameValuePair[] {new NameValuePair("k", "v")});
        FileId hakitId = hakit.upload(UploadSource.of(bytes),
                UploadRequest.builder().group("group2").ext("jpg").metadata("k", "v").build());
        assertTrue(stockId.startsWith("group2/") && stockId.endsWith(".jpg"), stockId);
        assertTrue(hakitId.toString().startsWith("group2/") && hakitId.toString().endsWith(".jpg"), hakitId.toString());
        cluster.awaitReplication(Duration.ofSeconds(10));

        // download_file1(id)  ->  downloadBytes(FileId.parse(id))
        assertArrayEquals(stock.download_file1(stockId), hakit.downloadBytes(FileId.parse(stockId)));
        assertArrayEquals(stock.download_file1(hakitId.toString()), hakit.downloadBytes(hakitId));
        // download_file1(id, offset, length)  ->  download(id, offset, length, out)
        java.io.ByteArrayOutputStream range = new java.io.ByteArrayOutputStream();
        hakit.download(FileId.parse(stockId), 2, 3, range);
        assertArrayEquals(stock.download_file1(stockId, 2, 3), range.toByteArray());
        // get_metadata1(id)  ->  metadata(id)
        assertEquals(stock.get_metadata1(stockId)[0].getValue(), hakit.metadata(FileId.parse(stockId)).get("k"));
        // query_file_info1(id)  ->  info(id)
        org.csource.fastdfs.FileInfo stockInfo = stock.query_file_info1(stockId);
        FileInfo hakitInfo = hakit.info(FileId.parse(stockId));
        assertEquals(stockInfo.getFileSize(), hakitInfo.size());
        assertEquals(stockInfo.getCrc32() & 0xffffffffL, hakitInfo.crc32() & 0xffffffffL);
        assertEquals(stockInfo.getSourceIpAddr(), hakitInfo.sourceIp());
        // delete_file1(id) == 0  ->  delete(id)
        assertEquals(0, stock.delete_file1(stockId));
        hakit.delete(hakitId);
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals(null, stock.download_file1(stockId));
        assertThrows(FastDfsServerException.class, () -> hakit.downloadBytes(hakitId));
    }

    private static byte[] content(int i) {
        return ("file " + i).getBytes(StandardCharsets.UTF_8);
    }
}
