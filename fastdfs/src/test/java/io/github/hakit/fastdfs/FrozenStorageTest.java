package io.github.hakit.fastdfs;

import static io.github.hakit.fastdfs.FakeFdfsServer.Reply;
import static io.github.hakit.fastdfs.FakeFdfsServer.concat;
import static io.github.hakit.fastdfs.FakeFdfsServer.fetchAnswer;
import static io.github.hakit.fastdfs.FakeFdfsServer.fileIdAnswer;
import static io.github.hakit.fastdfs.FakeFdfsServer.ok;
import static io.github.hakit.fastdfs.FakeFdfsServer.status;
import static io.github.hakit.fastdfs.FakeFdfsServer.storageRecord;
import static io.github.hakit.fastdfs.FakeFdfsServer.storeAnswer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.HealthState;
import io.github.hakit.fastdfs.internal.Proto;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A frozen storage as a real 6.16 cluster shows it (issue 10 §1): the tracker keeps it ACTIVE and, for a fresh
 * file, offers only it (fetch-one and fetch-all name the source until the replica reports the file synced); the
 * group's storage list names the replica. Reads must go to the replica after one timeout; uploads too.
 */
class FrozenStorageTest extends FakeServerTest {
    private static final Duration NETWORK = Duration.ofMillis(800);
    private static final byte[] CONTENT = "fresh content".getBytes(StandardCharsets.UTF_8);

    private FakeFdfsServer frozen;
    private FakeFdfsServer replica;
    private final AtomicInteger replicaNotYet = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean freeze = new java.util.concurrent.atomic.AtomicBoolean(true);

    private FastDfsClient cluster() throws Exception {
        return cluster(b -> { });
    }

    private FastDfsClient cluster(java.util.function.Consumer<FastDfsClient.Builder> custom) throws Exception {
        frozen = server("127.0.0.61", (cmd, body) -> freeze.get() ? Reply.frozen() : Reply.of(status(2)));
        replica = server("127.0.0.62", (cmd, body) -> switch (cmd) {
            case Proto.DOWNLOAD_FILE -> replicaNotYet.getAndDecrement() > 0 ? Reply.of(status(2))
                    : Reply.of(ok(CONTENT));
            case Proto.UPLOAD_FILE -> Reply.of(ok(fileIdAnswer("group1", FakeFdfsServer.remoteName("127.0.0.62",
                    now(), CONTENT.length, 7))));
            default -> Reply.of(status(22));
        });
        FakeFdfsServer tracker = server("127.0.0.63", (cmd, body) -> switch (cmd) {
            // the tracker still believes in the frozen storage: it is the source of every fresh file
            case Proto.QUERY_STORE_WITHOUT_GROUP_ONE, Proto.QUERY_STORE_WITH_GROUP_ONE ->
                    Reply.of(ok(storeAnswer("group1", frozen.host(), frozen.port())));
            case Proto.QUERY_STORE_WITH_GROUP_ALL, Proto.QUERY_STORE_WITHOUT_GROUP_ALL -> Reply.of(ok(concat(
                    fetchAnswer("group1", frozen.host(), frozen.port()), new byte[1])));
            case Proto.QUERY_FETCH_ONE, Proto.QUERY_UPDATE, Proto.QUERY_FETCH_ALL ->
                    Reply.of(ok(fetchAnswer("group1", frozen.host(), frozen.port())));
            case Proto.LIST_STORAGE -> Reply.of(ok(concat(storageRecord(7, "100001", frozen.host(), frozen.port()),
                    storageRecord(7, "100002", replica.host(), replica.port()))));
            default -> Reply.of(status(2));
        });
        FastDfsClient.Builder b = FastDfsClient.builder().trackers(tracker.address()).connectTimeout(NETWORK)
                .networkTimeout(NETWORK).callTimeout(Duration.ofSeconds(10)).storageFailTimeout(Duration.ofMinutes(5))
                .healthCheck(null);
        custom.accept(b);
        return closeLater(b.build());
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    @Test
    void freshFilesOfAFrozenSourceAreReadFromTheReplicaAfterOneTimeout() throws Exception {
        FastDfsClient client = cluster();
        long start = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            FileId id = new FileId("group1", FakeFdfsServer.remoteName(frozen.host(), now(), CONTENT.length, i));
            assertArrayEquals(CONTENT, client.downloadBytes(id), "download " + i);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(1, frozen.connections(), "the frozen storage cost one attempt");
        var row = client.storages().status().endpoint(frozen.address());
        assertEquals(HealthState.DOWN, row.state(), client.storages().status().render());
        assertEquals(1, row.failures());
        assertTrue(took.compareTo(NETWORK.multipliedBy(4)) < 0, "200 downloads took " + took.toMillis() + " ms");
    }

    @Test
    void aStorageTakenOutShowsInStatusMetersAndEvents() throws Exception {
        java.util.List<io.github.hakit.core.event.UpstreamListener.StateChange> changes =
                new java.util.concurrent.CopyOnWriteArrayList<>();
        FastDfsClient client = cluster(b -> b.listener(new io.github.hakit.core.event.UpstreamListener() {
            @Override
            public void onStateChange(StateChange e) {
                changes.add(e);
            }
        }));
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        new FastDfsStorageMetrics(client).bindTo(registry);
        for (int i = 0; i < 5; i++) {
            client.downloadBytes(new FileId("group1", FakeFdfsServer.remoteName(frozen.host(), now(), CONTENT.length, i)));
        }
        assertEquals(0.0, registry.get("hakit.fastdfs.storage.up").tag("storage", frozen.address()).gauge().value());
        assertEquals(1.0, registry.get("hakit.fastdfs.storage.up").tag("storage", replica.address()).gauge().value());
        assertEquals(1.0, registry.get("hakit.fastdfs.storage.calls").tag("storage", frozen.address())
                .tag("outcome", "failure").functionCounter().count());
        assertEquals(5.0, registry.get("hakit.fastdfs.storage.calls").tag("storage", replica.address())
                .tag("outcome", "success").functionCounter().count());
        io.github.hakit.testkit.Await.until(Duration.ofSeconds(5), () -> changes.stream().anyMatch(
                c -> c.endpoint().address().equals(frozen.address()) && !c.to().takesTraffic()),
                () -> "a state change event for " + frozen.address() + ": " + changes);
        assertTrue(client.storages().status().render().contains(frozen.address()));
    }

    @Test
    void aReplicaThatHasNotSyncedAFreshFileIsAskedAgainWithinTheDeadline() throws Exception {
        FastDfsClient client = cluster();
        replicaNotYet.set(5);
        FileId id = new FileId("group1", FakeFdfsServer.remoteName(frozen.host(), now(), CONTENT.length, 1));
        assertArrayEquals(CONTENT, client.downloadBytes(id));
        assertEquals(-1, replicaNotYet.get(), "the replica was asked until it had the file");
    }

    @Test
    void notFoundOnlyWhenEveryStorageOfTheGroupSaysSo() throws Exception {
        FastDfsClient client = cluster();
        replicaNotYet.set(Integer.MAX_VALUE);
        FileId old = new FileId("group1", FakeFdfsServer.remoteName(frozen.host(), now() - 3600, 1, 1));
        // the source times out, the replica says ENOENT: a failure, not "not found"
        FastDfsException e = assertThrows(FastDfsException.class, () -> client.downloadBytes(old));
        assertTrue(!(e instanceof FastDfsServerException se && se.isNotFound()), e.toString());

        freeze.set(false);
        FastDfsClient fresh = cluster();
        freeze.set(false);
        FastDfsServerException notFound = assertThrows(FastDfsServerException.class, () -> fresh.downloadBytes(old));
        assertTrue(notFound.isNotFound(), notFound.toString());
    }

    @Test
    void anUploadToAFrozenStorageCostsOneTimeoutThenGoesToTheReplica() throws Exception {
        FastDfsClient client = cluster();
        long start = System.nanoTime();
        PossibleOrphanException orphan = assertThrows(PossibleOrphanException.class,
                () -> client.upload(CONTENT, "txt"));
        assertEquals(frozen.address(), orphan.storage());
        for (int i = 0; i < 20; i++) {
            FileId id = client.upload(CONTENT, "txt");
            assertEquals("group1", id.group());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(1, frozen.connections(), "later uploads avoided the frozen storage");
        assertTrue(replica.requests() >= 20);
        assertTrue(took.compareTo(NETWORK.multipliedBy(4)) < 0, "took " + took.toMillis() + " ms");
    }
}
