package io.github.hakit.fastdfs;

import static io.github.hakit.fastdfs.FakeFdfsServer.Reply;
import static io.github.hakit.fastdfs.FakeFdfsServer.concat;
import static io.github.hakit.fastdfs.FakeFdfsServer.fetchAnswer;
import static io.github.hakit.fastdfs.FakeFdfsServer.fileIdAnswer;
import static io.github.hakit.fastdfs.FakeFdfsServer.fileInfoAnswer;
import static io.github.hakit.fastdfs.FakeFdfsServer.ok;
import static io.github.hakit.fastdfs.FakeFdfsServer.status;
import static io.github.hakit.fastdfs.FakeFdfsServer.storeAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.fastdfs.internal.Proto;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What hakit does with answers a real server should never send (or sends differently from the testkit): each
 * case from the fault-injection findings of the FastDFS hardening issue, against {@link FakeFdfsServer}s.
 */
class WireIntegrityTest extends FakeServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private FastDfsClient client(FakeFdfsServer... trackers) {
        StringBuilder sb = new StringBuilder();
        for (FakeFdfsServer t : trackers) {
            sb.append(sb.length() == 0 ? "" : ",").append(t.address());
        }
        FastDfsClient c = FastDfsClient.builder().trackers(sb.toString()).connectTimeout(TIMEOUT)
                .networkTimeout(TIMEOUT).healthCheck(null).build();
        return closeLater(c);
    }

    /** A tracker sending every request to {@code storage} (store, fetch, update, fetch-all); the rest ENOENT. */
    private static FakeFdfsServer.Handler trackerFor(FakeFdfsServer storage) {
        return (cmd, body) -> switch (cmd) {
            case Proto.QUERY_STORE_WITHOUT_GROUP_ONE, Proto.QUERY_STORE_WITH_GROUP_ONE ->
                    Reply.of(ok(storeAnswer("group1", storage.host(), storage.port())));
            case Proto.QUERY_FETCH_ONE, Proto.QUERY_UPDATE, Proto.QUERY_FETCH_ALL ->
                    Reply.of(ok(fetchAnswer("group1", storage.host(), storage.port())));
            default -> Reply.of(status(2));
        };
    }

    private static long anHourAgo() {
        return System.currentTimeMillis() / 1000 - 3600;
    }

    private static FileId oldFile(int n) {
        return new FileId("group1", FakeFdfsServer.remoteName("127.0.0.41", anHourAgo(), 100, n));
    }

    @Test
    void bytesAfterAnAnswerAreNeverReadAsTheNextAnswer() throws Exception {
        String mine = FakeFdfsServer.remoteName("127.0.0.41", anHourAgo(), 3, 1);
        String stale = FakeFdfsServer.remoteName("127.0.0.41", anHourAgo(), 3, 2);
        FakeFdfsServer storage = server("127.0.0.41", (cmd, body) -> Reply.of(concat(
                ok(fileIdAnswer("group1", mine)), ok(fileIdAnswer("group1", stale)))));
        FastDfsClient client = client(server("127.0.0.42", trackerFor(storage)));

        assertEquals(mine, client.upload("one".getBytes(StandardCharsets.UTF_8), "txt").remoteName());
        FileId second = client.upload("two".getBytes(StandardCharsets.UTF_8), "txt");
        assertNotEquals(stale, second.remoteName(), "the second upload read the first one's trailing bytes");
        assertEquals(mine, second.remoteName());
        assertEquals(2, storage.connections(), "the connection with unread bytes was closed, not pooled");
    }

    @Test
    void uploadAnswerOfAnotherGroupIsAProtocolViolation() throws Exception {
        FakeFdfsServer storage = server("127.0.0.41", (cmd, body) -> Reply.of(ok(fileIdAnswer("group9",
                FakeFdfsServer.remoteName("127.0.0.41", anHourAgo(), 3, 1)))));
        FastDfsClient client = client(server("127.0.0.42", trackerFor(storage)));

        PossibleOrphanException e = assertThrows(PossibleOrphanException.class, () -> client.upload(
                UploadSource.of("x".getBytes(StandardCharsets.UTF_8)), UploadRequest.builder().group("group1").build()));
        assertTrue(e.getMessage().contains("group9"), e.getMessage());
    }

    @Test
    void einvalClosesTheStorageConnectionEnoentKeepsIt() throws Exception {
        FakeFdfsServer einval = server("127.0.0.41", (cmd, body) -> Reply.of(status(22)));
        FastDfsClient client = client(server("127.0.0.42", trackerFor(einval)));
        for (int i = 0; i < 2; i++) {
            int n = i;
            FastDfsServerException e = assertThrows(FastDfsServerException.class, () -> client.delete(oldFile(n)));
            assertEquals(22, e.errno());
        }
        assertEquals(2, einval.connections(), "after EINVAL the connection is not reused");

        FakeFdfsServer enoent = server("127.0.0.43", (cmd, body) -> Reply.of(status(2)));
        FastDfsClient client2 = client(server("127.0.0.44", trackerFor(enoent)));
        for (int i = 0; i < 2; i++) {
            int n = i;
            FastDfsServerException e = assertThrows(FastDfsServerException.class, () -> client2.delete(oldFile(n)));
            assertTrue(e.isNotFound());
        }
        assertEquals(1, enoent.connections(), "after ENOENT the connection stays usable");
    }

    @Test
    void metadataEnoentOfAnExistingFileIsNoMetadataOfAMissingFileIsNotFound() throws Exception {
        FakeFdfsServer storage = server("127.0.0.41", (cmd, body) -> switch (cmd) {
            case Proto.GET_METADATA -> Reply.of(status(2));
            case Proto.QUERY_FILE_INFO -> Reply.of(ok(fileInfoAnswer(100, anHourAgo(), "127.0.0.41")));
            default -> Reply.of(status(22));
        });
        FastDfsClient client = client(server("127.0.0.42", trackerFor(storage)));
        assertEquals(Map.of(), client.metadata(oldFile(1)));

        FakeFdfsServer empty = server("127.0.0.43", (cmd, body) -> Reply.of(status(2)));
        FastDfsClient client2 = client(server("127.0.0.44", trackerFor(empty)));
        FastDfsServerException e = assertThrows(FastDfsServerException.class, () -> client2.metadata(oldFile(1)));
        assertTrue(e.isNotFound(), e.toString());
    }

    @Test
    void announcedLengthDrivesNoAllocation() throws Exception {
        byte[] header = ok(new byte[0]);
        Proto.putLong(header, 0, (1L << 31) - 100);
        FakeFdfsServer storage = server("127.0.0.41", (cmd, body) -> Reply.of(concat(header, new byte[10])).thenClose());
        FastDfsClient client = FastDfsClient.builder().trackers(server("127.0.0.42", trackerFor(storage)).address())
                .networkTimeout(TIMEOUT).healthCheck(null).maxBytesInMemory(Integer.MAX_VALUE - 16).build();
        closeLater(client);
        FastDfsClient capped = client(server("127.0.0.43", trackerFor(storage)));

        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        FastDfsException tooBig = assertThrows(FastDfsException.class, () -> capped.downloadBytes(oldFile(1)));
        assertTrue(tooBig.getMessage().contains("maxBytesInMemory"), tooBig.getMessage());
        assertThrows(RuntimeException.class, () -> client.downloadBytes(oldFile(2)));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 64L * 1024 * 1024, "allocated " + allocated + " bytes for 10 received");
    }

    @Test
    void malformedTrackerAnswersAreProtocolViolationsOfThatTracker() throws Exception {
        FakeFdfsServer storage = server("127.0.0.41", (cmd, body) -> Reply.of(status(2)));
        FakeFdfsServer bad = server("127.0.0.45", (cmd, body) -> switch (cmd) {
            case Proto.QUERY_FETCH_ALL -> Reply.of(ok(fetchAnswer("group1", "127.0.0.41", 70000)));
            case Proto.LIST_ALL_GROUPS -> Reply.of(ok(groupRecord("gr\u00fcp1")));
            default -> Reply.of(status(2));
        });
        FakeFdfsServer good = server("127.0.0.42", (cmd, body) -> switch (cmd) {
            case Proto.LIST_ALL_GROUPS -> Reply.of(ok(groupRecord("group1")));
            case Proto.LIST_STORAGE -> Reply.of(ok(new byte[0]));
            default -> trackerFor(storage).answer(cmd, body);
        });
        FastDfsClient client = client(bad, good);
        for (int i = 0; i < 4; i++) {
            assertEquals(List.of(storage.address()), client.storagesOf(oldFile(i)));
            assertEquals("group1", client.clusterView().groups().get(0).name());
        }
        assertTrue(client.trackers().status().endpoint(bad.address()).failures() > 0,
                client.trackers().status().render());
    }

    @Test
    void outOfRangeHeartbeatIsAProtocolViolationNotADateTimeException() throws Exception {
        byte[] storageRecord = FakeFdfsServer.storageRecord(7, "100001", "127.0.0.41", 23000);
        Proto.putLong(storageRecord, FakeFdfsServer.HEARTBEAT_AT, Long.MAX_VALUE / 2);
        FakeFdfsServer tracker = server("127.0.0.45", (cmd, body) -> switch (cmd) {
            case Proto.LIST_ALL_GROUPS -> Reply.of(ok(groupRecord("group1")));
            case Proto.LIST_STORAGE -> Reply.of(ok(storageRecord));
            default -> Reply.of(status(2));
        });
        FastDfsClient client = client(tracker);
        RuntimeException e = assertThrows(io.github.hakit.core.NoLiveEndpointException.class, client::clusterView);
        assertTrue(e.getMessage().contains("invalid_header") && e.getMessage().contains("heartbeat"), e.getMessage());
        assertTrue(client.trackers().status().endpoint(tracker.address()).failures() > 0);
    }

    /** A 6.1x group record (113 bytes) with one storage on port 23000. */
    static byte[] groupRecord(String name) {
        byte[] b = new byte[113];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, b, 0, Math.min(n.length, 16));
        Proto.putLong(b, 49, 1);
        Proto.putLong(b, 57, 23000);
        Proto.putLong(b, 73, 1);
        return b;
    }

    @Test
    void uploadRequestRejectsPortsOutsideTheTcpRange() {
        for (String bad : List.of("127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:99999")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> UploadRequest.builder().storage(bad).build());
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
        assertEquals("127.0.0.1:65535", UploadRequest.builder().storage("127.0.0.1:65535").build().storage());
    }

    @Test
    void groupStoragePortMinusOneMeansStoragesOnDifferentPorts() throws Exception {
        byte[] group = groupRecord("group1");
        Proto.putLong(group, 57, -1); // a real 6.16 tracker: storages of the group listen on different ports
        Proto.putLong(group, 49, 2);
        FakeFdfsServer tracker = server("127.0.0.45", (cmd, body) -> switch (cmd) {
            case Proto.LIST_ALL_GROUPS -> Reply.of(ok(group));
            case Proto.LIST_STORAGE -> Reply.of(ok(concat(FakeFdfsServer.storageRecord(7, "100001", "127.0.0.11", 23000),
                    FakeFdfsServer.storageRecord(7, "100002", "127.0.0.12", 23001))));
            default -> Reply.of(status(2));
        });
        GroupView g = client(tracker).clusterView().groups().get(0);
        assertEquals(-1, g.storagePort());
        assertEquals(List.of(23000, 23001), g.storages().stream().map(StorageView::port).toList());
    }

    @Test
    void extensionsWithDotsAsTheRealServerAcceptsThem() {
        for (String ok : List.of("tar.gz", "a.b.c", "tar.", "jpg", "")) {
            assertEquals(ok, UploadRequest.builder().ext(ok).build().ext());
        }
        for (String bad : List.of("..", ".gz", "a..b", "a/b", "a b", "t\u00e4r", "toolong")) {
            assertThrows(IllegalArgumentException.class, () -> UploadRequest.builder().ext(bad).build(), bad);
        }
    }

    @Test
    void hugeFileIdIsNotEchoed() {
        String huge = "group1/M00/00/00/" + "A".repeat(1 << 20);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileId.parse(huge));
        assertTrue(e.getMessage().length() < 1000, "message of " + e.getMessage().length() + " chars");
        assertFalse(e.getMessage().contains("A".repeat(200)));
    }
}
