package io.github.hakit.fastdfs;

import static io.github.hakit.fastdfs.FakeFdfsServer.Reply;
import static io.github.hakit.fastdfs.FakeFdfsServer.concat;
import static io.github.hakit.fastdfs.FakeFdfsServer.fetchAnswer;
import static io.github.hakit.fastdfs.FakeFdfsServer.ok;
import static io.github.hakit.fastdfs.FakeFdfsServer.status;
import static io.github.hakit.fastdfs.FakeFdfsServer.storeAnswer;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.fastdfs.internal.Proto;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code callTimeout} bounds a whole operation however slowly a server sends its bytes: a per-read timeout alone
 * let a tracker trickling a valid answer at 1 byte/s stretch an upload to 50 s (issue: "a real deadline").
 */
class DeadlineTest extends FakeServerTest {
    private static final Duration CALL = Duration.ofSeconds(2);
    /** Scheduling slack on a loaded 2-CPU machine. */
    private static final Duration MARGIN = Duration.ofMillis(1500);
    private static final long ONE_BYTE_PER_SECOND = 1_000_000_000L;
    private FastDfsClient client(String trackers) {
        // each read waits at most networkTimeout, which 1 byte/s never exceeds: only the deadline can stop it
        FastDfsClient c = FastDfsClient.builder().trackers(trackers).networkTimeout(Duration.ofSeconds(3))
                .callTimeout(CALL).healthCheck(null).build();
        return closeLater(c);
    }

    private static void assertWithinDeadline(long startNanos, Duration deadline) {
        Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
        assertTrue(took.compareTo(deadline.plus(MARGIN)) < 0, "took " + took.toMillis() + " ms, deadline "
                + deadline.toMillis() + " ms");
    }

    @Test
    void trackerTricklingAValidAnswerCannotStretchAnUploadPastCallTimeout() throws Exception {
        FakeFdfsServer storage = server("127.0.0.51", (cmd, body) -> Reply.of(status(22)));
        FakeFdfsServer tracker = server("127.0.0.52", (cmd, body) -> Reply.of(ok(storeAnswer("group1",
                storage.host(), storage.port()))).trickle(ONE_BYTE_PER_SECOND));
        FastDfsClient client = client(tracker.address());
        long start = System.nanoTime();
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> client.upload("x".getBytes(StandardCharsets.UTF_8), "txt"));
        assertWithinDeadline(start, CALL);
        assertTrue(e instanceof FastDfsTimeoutException || e.toString().contains("deadline"), e.toString());
    }

    @Test
    void storageTricklingADownloadCannotStretchItPastCallTimeoutPlusItsSizeAtTheMinimumRate() throws Exception {
        byte[] content = new byte[4096];
        FakeFdfsServer storage = server("127.0.0.51", (cmd, body) -> cmd == Proto.DOWNLOAD_FILE
                ? Reply.of(ok(content)).trickle(ONE_BYTE_PER_SECOND / 50) : Reply.of(status(2)));
        FakeFdfsServer tracker = server("127.0.0.52", (cmd, body) -> switch (cmd) {
            case Proto.QUERY_FETCH_ONE, Proto.QUERY_FETCH_ALL -> Reply.of(ok(fetchAnswer("group1", storage.host(),
                    storage.port())));
            default -> Reply.of(status(2));
        });
        FastDfsClient client = client(tracker.address());
        FileId id = new FileId("group1", FakeFdfsServer.remoteName("127.0.0.51",
                System.currentTimeMillis() / 1000 - 3600, content.length, 1));
        long start = System.nanoTime();
        assertThrows(FastDfsTimeoutException.class, () -> client.downloadBytes(id));
        // 4 KiB at the default 64 KiB/s adds 62.5 ms
        assertWithinDeadline(start, CALL.plusMillis(63));

        start = System.nanoTime();
        try (InputStream in = client.openStream(id)) {
            assertThrows(FastDfsTimeoutException.class, () -> in.readAllBytes());
        }
        assertWithinDeadline(start, CALL.plusMillis(63));
    }

    @Test
    void aStorageThatStopsReadingMidUploadCostsOneNetworkTimeoutThenTheUploadGoesElsewhere() throws Exception {
        // a listening socket that never accepts: the kernel completes connections and buffers a little, then
        // the sender blocks, as with a frozen process
        try (java.net.ServerSocket stuck = new java.net.ServerSocket()) {
            stuck.bind(new java.net.InetSocketAddress("127.0.0.53", 0));
            String name = FakeFdfsServer.remoteName("127.0.0.51", System.currentTimeMillis() / 1000, 1, 1);
            FakeFdfsServer good = server("127.0.0.51", (cmd, body) -> Reply.of(ok(
                    FakeFdfsServer.fileIdAnswer("group1", name))));
            FakeFdfsServer tracker = server("127.0.0.52", (cmd, body) -> switch (cmd) {
                case Proto.QUERY_STORE_WITH_GROUP_ONE -> Reply.of(ok(storeAnswer("group1", "127.0.0.53",
                        stuck.getLocalPort())));
                case Proto.QUERY_STORE_WITH_GROUP_ALL -> Reply.of(ok(concat(fetchAnswer("group1", good.host(),
                        good.port()), new byte[1])));
                default -> Reply.of(status(2));
            });
            Duration network = Duration.ofMillis(500);
            FastDfsClient client = closeLater(FastDfsClient.builder().trackers(tracker.address())
                    .networkTimeout(network).callTimeout(Duration.ofSeconds(20)).healthCheck(null).build());
            byte[] big = new byte[32 * 1024 * 1024];
            long start = System.nanoTime();
            FileId id = client.upload(UploadSource.of(big), UploadRequest.builder().group("group1").build());
            assertTrue(id.remoteName().equals(name));
            // stalled for one check interval or two, then the 32 MiB went to the other storage
            assertWithinDeadline(start, network.multipliedBy(3));
        }
    }

    @Test
    void storageTricklingAnUploadAnswerEndsInPossibleOrphanWithinTheDeadline() throws Exception {
        String name = FakeFdfsServer.remoteName("127.0.0.51", System.currentTimeMillis() / 1000, 1, 1);
        FakeFdfsServer storage = server("127.0.0.51", (cmd, body) -> Reply.of(concat(ok(
                FakeFdfsServer.fileIdAnswer("group1", name)))).trickle(ONE_BYTE_PER_SECOND));
        FakeFdfsServer tracker = server("127.0.0.52", (cmd, body) -> Reply.of(ok(storeAnswer("group1",
                storage.host(), storage.port()))));
        FastDfsClient client = client(tracker.address());
        long start = System.nanoTime();
        assertThrows(PossibleOrphanException.class, () -> client.upload("x".getBytes(StandardCharsets.UTF_8), "txt"));
        assertWithinDeadline(start, CALL);
    }
}
