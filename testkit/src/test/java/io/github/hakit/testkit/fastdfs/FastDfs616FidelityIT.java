package io.github.hakit.testkit.fastdfs;

import static io.github.hakit.testkit.fastdfs.RawFdfs.ascii;
import static io.github.hakit.testkit.fastdfs.RawFdfs.concat;
import static io.github.hakit.testkit.fastdfs.RawFdfs.group;
import static io.github.hakit.testkit.fastdfs.RawFdfs.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The testkit behaves like FastDFS 6.16.1 where hakit depends on it. Every rule names its source: a function of the
 * 6.16.1 C sources, or "observed", meaning seen with raw requests on a reference cluster built from upstream
 * (libfastcommon 1.0.86, libserverframe 1.2.14, fastdfs V6.16.1; 2 trackers, group1/group2 x 2 storages with
 * storage ids on 127.0.0.x).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FastDfs616FidelityIT {
    private final MutableClock clock = new MutableClock();
    private FastDfsTestCluster cluster;
    private TestTracker tracker;
    private TestStorage source;
    private TestStorage replica;

    /**
     * A clock that tests move forward (the 300 s rule), starting at the real time; never back, as a replica's sync
     * timestamp from the "future" would make every later file look synced.
     */
    static final class MutableClock extends Clock {
        private final AtomicLong offsetMillis = new AtomicLong();

        void advance(Duration d) {
            offsetMillis.addAndGet(d.toMillis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long millis() {
            return System.currentTimeMillis() + offsetMillis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }
    }

    @BeforeAll
    void startCluster() {
        cluster = FastDfsTestCluster.builder().trackers(2).group("group1", 2).protocol(FdfsProtocol.V6_1X)
                .useStorageIds(true).distinctStoragePorts(true).clock(clock).build();
        tracker = cluster.tracker(0);
        source = cluster.storage("group1", 0);
        replica = cluster.storage("group1", 1);
    }

    @AfterAll
    void stopCluster() {
        cluster.close();
    }

    @BeforeEach
    void reset() {
        cluster.trackers().forEach(FdfsServer::unfreeze);
        cluster.storages().forEach(s -> {
            s.unfreeze();
            s.resumeReplication();
        });
        cluster.fetchRouting(FetchRouting.SYNC_AWARE);
        cluster.awaitReplication(Duration.ofSeconds(10));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> fetchAll(String name) throws IOException {
        return RawFdfs.fetch(tracker, Wire.TRACKER_QUERY_FETCH_ALL, "group1", name);
    }

    private List<String> fetchOne(String name) throws IOException {
        return RawFdfs.fetch(tracker, Wire.TRACKER_QUERY_FETCH_ONE, "group1", name);
    }

    private static byte[] targetBody(String group, String name) {
        return concat(group(group), ascii(name));
    }

    private static byte[] downloadBody(long offset, long count, String name) {
        return concat(longs(offset, count), group("group1"), ascii(name));
    }

    // ---- 1. routing of fresh files (tracker_mem.c tracker_mem_get_storage_by_filename) -----------------------

    @Test
    void freshFileIsOfferedFromItsSourceAloneUntilTheReplicaHasIt() throws Exception {
        replica.pauseReplication();
        String name = RawFdfs.upload(source, bytes("fresh"), "txt", Wire.STORAGE_UPLOAD_FILE);
        // the tracker names the source only, for fetch-all and for every fetch-one
        assertEquals(List.of(source.address()), fetchAll(name));
        for (int i = 0; i < 4; i++) {
            assertEquals(List.of(source.address()), fetchOne(name));
        }
        // the replica asked directly answers ENOENT (observed)
        try (RawFdfs c = new RawFdfs(replica)) {
            assertEquals(Wire.ENOENT, c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(0, 0, name)).status());
        }
        replica.resumeReplication();
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals(List.of(source.address(), replica.address()), fetchAll(name));
    }

    @Test
    void strict616RoutingOffersAReplicaOnlyAfterALaterFileSyncedOrAfter300Seconds() throws Exception {
        cluster.fetchRouting(FetchRouting.TRACKER_616);
        String first = RawFdfs.upload(source, bytes("first"), "txt", Wire.STORAGE_UPLOAD_FILE);
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertTrue(replica.hasFile(first));
        // the replica reports the file's own second: last_synced_timestamp > file_timestamp does not hold yet
        assertEquals(List.of(source.address()), fetchAll(first));
        clock.advance(Duration.ofSeconds(2));
        RawFdfs.upload(source, bytes("later"), "txt", Wire.STORAGE_UPLOAD_FILE);
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals(List.of(source.address(), replica.address()), fetchAll(first));

        clock.advance(Duration.ofSeconds(5));
        String third = RawFdfs.upload(source, bytes("third"), "txt", Wire.STORAGE_UPLOAD_FILE);
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals(List.of(source.address()), fetchAll(third));
        clock.advance(Duration.ofSeconds(ClusterState.SYNC_FILE_MAX_TIME_S + 1)); // storage_sync_file_max_time
        assertEquals(List.of(source.address(), replica.address()), fetchAll(third));
    }

    @Test
    void appenderAndSlaveFilesAreOfferedFromTheirSourceOnly() throws Exception {
        String appender = RawFdfs.upload(source, bytes("app"), "log", Wire.STORAGE_UPLOAD_APPENDER_FILE);
        String master = RawFdfs.upload(source, bytes("master"), "jpg", Wire.STORAGE_UPLOAD_FILE);
        byte[] slaveData = bytes("thumb");
        String slave;
        try (RawFdfs c = new RawFdfs(source)) {
            byte[] prefix = new byte[Wire.FILE_PREFIX_MAX_LEN];
            Wire.putFixed(prefix, 0, "_150x150", prefix.length);
            byte[] ext = new byte[Wire.FILE_EXT_NAME_MAX_LEN];
            Wire.putFixed(ext, 0, "jpg", ext.length);
            RawFdfs.Answer a = c.call(Wire.STORAGE_UPLOAD_SLAVE_FILE,
                    concat(longs(master.length(), slaveData.length), prefix, ext, ascii(master), slaveData));
            assertEquals(0, a.status());
            slave = a.text().substring(Wire.GROUP_NAME_MAX_LEN);
        }
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertTrue(replica.hasFile(appender) && replica.hasFile(slave));
        assertEquals(List.of(source.address(), replica.address()), fetchAll(master));
        assertEquals(List.of(source.address()), fetchAll(appender)); // IS_APPENDER_FILE
        assertEquals(List.of(source.address()), fetchAll(slave)); // IS_SLAVE_FILE: name longer than 44
        assertEquals(List.of(source.address()), fetchOne(slave));
    }

    // ---- 2. freeze (like kill -STOP) -------------------------------------------------------------------------

    @Test
    void frozenStorageAcceptsNeverAnswersStaysActiveAndIsStillTheOnlyStorageOfferedForItsFreshFiles()
            throws Exception {
        replica.pauseReplication();
        String name = RawFdfs.upload(source, bytes("frozen source"), "txt", Wire.STORAGE_UPLOAD_FILE);
        replica.resumeReplication();
        source.freeze();
        try (RawFdfs c = new RawFdfs(source)) { // connect succeeds
            c.send(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(0, 0, name));
            assertTrue(c.silentFor(400));
            // still ACTIVE on the tracker, still the only storage offered (its sync thread is stopped too)
            assertEquals(Wire.STATUS_ACTIVE, source.status());
            assertEquals(List.of(source.address()), fetchAll(name));
            assertFalse(replica.hasFile(name));
            assertEquals(1, cluster.pendingReplications());
            source.unfreeze();
            RawFdfs.Answer a = c.read();
            assertEquals(0, a.status());
            assertEquals("frozen source", a.text());
        }
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertTrue(replica.hasFile(name));
    }

    @Test
    void frozenStorageStallsAnUploadInProgressAndCompletesItWhenUnfrozen() throws Exception {
        byte[] data = new byte[64 * 1024];
        Arrays.fill(data, (byte) 'u');
        byte[] body = RawFdfs.uploadBody(data, "bin");
        try (RawFdfs c = new RawFdfs(source)) {
            c.sendRaw(concat(Wire.header(body.length, Wire.STORAGE_UPLOAD_FILE, (byte) 0),
                    Arrays.copyOf(body, 1000)));
            source.freeze();
            c.sendRaw(Arrays.copyOfRange(body, 1000, body.length));
            assertTrue(c.silentFor(400));
            source.unfreeze();
            RawFdfs.Answer a = c.read();
            assertEquals(0, a.status());
            assertTrue(source.hasFile(a.text().substring(Wire.GROUP_NAME_MAX_LEN)));
        }
    }

    @Test
    void frozenTrackerAcceptsButNeverAnswersUntilUnfrozen() throws Exception {
        tracker.freeze();
        try (RawFdfs c = new RawFdfs(tracker)) {
            c.send(Wire.CMD_ACTIVE_TEST, new byte[0]);
            assertTrue(c.silentFor(400));
            tracker.unfreeze();
            assertEquals(0, c.read().status());
        }
    }

    // ---- 4. socket behaviour (libserverframe sf_nio.c: TCP_QUICKACK after every recv) ---------------------------

    /**
     * The stock fastdfs-client-java writes an upload's header and its content in two writes with Nagle on; the
     * content leaves only once the header is ACKed. fdfs_storaged ACKs at once (quick-ACK after every read), a
     * server that delays its ACK costs 40 ms per upload (Linux's minimum delayed-ACK time): 11 uploads/s instead of
     * ~3,000/s on the real server (observed). A median well below 40 ms shows no upload waited for a delayed ACK.
     */
    @Test
    void stockClientUploadsOverAPooledConnectionDoNotWaitForADelayedAck() throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.setProperty(org.csource.fastdfs.ClientGlobal.PROP_KEY_TRACKER_SERVERS, cluster.trackerAddresses());
        p.setProperty(org.csource.fastdfs.ClientGlobal.PROP_KEY_CONNECTION_POOL_ENABLED, "true");
        p.setProperty(org.csource.fastdfs.ClientGlobal.PROP_KEY_NETWORK_TIMEOUT_IN_SECONDS, "5");
        org.csource.fastdfs.ClientGlobal.initByProperties(p);
        org.csource.fastdfs.StorageClient1 stock = new org.csource.fastdfs.StorageClient1(
                new org.csource.fastdfs.TrackerServer(new java.net.InetSocketAddress(tracker.host(), tracker.port())),
                new org.csource.fastdfs.StorageServer(source.host(), source.port(), 0));
        byte[] data = new byte[1024];
        Arrays.fill(data, (byte) 's');
        long[] nanos = new long[200];
        for (int i = 0; i < nanos.length; i++) {
            long t0 = System.nanoTime();
            String id = stock.upload_file1(data, "bin", null);
            nanos[i] = System.nanoTime() - t0;
            assertTrue(id != null && id.startsWith("group1/"), String.valueOf(id));
        }
        Arrays.sort(nanos);
        long medianMillis = nanos[nanos.length / 2] / 1_000_000;
        assertTrue(medianMillis < 20, "median upload took " + medianMillis + " ms (a delayed ACK costs 40 ms)");
    }

    // ---- 3. storage answers (storage_service.c / observed) -----------------------------------------------------

    @Test
    void getMetadataOfAFileWithoutMetadataIsEnoentAlsoAfterOverwritingWithAnEmptyList() throws Exception {
        String name = RawFdfs.upload(source, bytes("m"), "txt", Wire.STORAGE_UPLOAD_FILE);
        try (RawFdfs c = new RawFdfs(source)) {
            assertEquals(Wire.ENOENT, c.call(Wire.STORAGE_GET_METADATA, targetBody("group1", name)).status());
            byte[] meta = ascii("k\u0002v");
            assertEquals(0, c.call(Wire.STORAGE_SET_METADATA, setMeta(name, meta, Wire.METADATA_OVERWRITE)).status());
            assertEquals("k\u0002v", c.call(Wire.STORAGE_GET_METADATA, targetBody("group1", name)).text());
            assertEquals(0, c.call(Wire.STORAGE_SET_METADATA, setMeta(name, new byte[0], Wire.METADATA_OVERWRITE))
                    .status());
            assertEquals(Wire.ENOENT, c.call(Wire.STORAGE_GET_METADATA, targetBody("group1", name)).status());
            assertEquals(0, c.call(Wire.STORAGE_SET_METADATA, setMeta(name, new byte[0], Wire.METADATA_MERGE))
                    .status());
            assertEquals(Wire.ENOENT, c.call(Wire.STORAGE_GET_METADATA, targetBody("group1", name)).status());
            assertFalse(c.closedByPeer(100)); // ENOENT keeps the connection
        }
    }

    private static byte[] setMeta(String name, byte[] meta, byte flag) {
        return concat(longs(name.length(), meta.length), new byte[] {flag}, group("group1"), ascii(name), meta);
    }

    @Test
    void einvalAnswersCloseTheStorageConnectionEnoentKeepsIt() throws Exception {
        String name = RawFdfs.upload(source, bytes("x"), "txt", Wire.STORAGE_UPLOAD_FILE);
        String missing = name.substring(0, name.length() - 5) + "q.txt";
        try (RawFdfs c = new RawFdfs(source)) {
            assertEquals(Wire.ENOENT, c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(0, 0, missing)).status());
            assertEquals(0, c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(0, 0, name)).status());
            assertEquals(Wire.EINVAL, c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(5, 0, name)).status());
            assertTrue(c.closedByPeer(2000));
        }
        try (RawFdfs c = new RawFdfs(source)) {
            assertEquals(Wire.EINVAL, c.call((byte) 55, new byte[0]).status()); // unknown command
            assertTrue(c.closedByPeer(2000));
        }
        try (RawFdfs c = new RawFdfs(source)) {
            byte[] wrongGroup = concat(longs(0, 0), group("group2"), ascii(name));
            assertEquals(Wire.EINVAL, c.call(Wire.STORAGE_DOWNLOAD_FILE, wrongGroup).status());
            assertTrue(c.closedByPeer(2000));
        }
        try (RawFdfs c = new RawFdfs(tracker)) { // the tracker keeps its connection (no send-done callback)
            assertEquals(Wire.EINVAL, c.call((byte) 55, new byte[0]).status());
            assertEquals(0, c.call(Wire.CMD_ACTIVE_TEST, new byte[0]).status());
        }
    }

    @Test
    void downloadAtOffsetEqualToTheSizeAndAnyDownloadOfAnEmptyFileIsEinval() throws Exception {
        String name = RawFdfs.upload(source, bytes("hello world"), "txt", Wire.STORAGE_UPLOAD_FILE);
        String empty = RawFdfs.upload(source, new byte[0], "txt", Wire.STORAGE_UPLOAD_FILE);
        try (RawFdfs c = new RawFdfs(source)) {
            assertEquals("d", c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(10, 0, name)).text());
            assertEquals(" world", c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(5, 100, name)).text());
            assertEquals(Wire.EINVAL, c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(11, 0, name)).status());
        }
        try (RawFdfs c = new RawFdfs(source)) {
            assertEquals(Wire.EINVAL, c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(0, 0, empty)).status());
        }
        try (RawFdfs c = new RawFdfs(source)) { // query-info of the empty file works
            RawFdfs.Answer a = c.call(Wire.STORAGE_QUERY_FILE_INFO, targetBody("group1", empty));
            assertEquals(0, a.status());
            assertEquals(0, Wire.getLong(a.body(), 0));
        }
    }

    @Test
    void zeroByteAppendAndModifyAnswerWithTheRequestBodyEchoed() throws Exception {
        String name = RawFdfs.upload(source, bytes("abc"), "log", Wire.STORAGE_UPLOAD_APPENDER_FILE);
        try (RawFdfs c = new RawFdfs(source)) {
            byte[] append = concat(longs(name.length(), 0), ascii(name));
            RawFdfs.Answer a = c.call(Wire.STORAGE_APPEND_FILE, append);
            assertEquals(0, a.status());
            assertArrayEquals(append, a.body());
            byte[] modify = concat(longs(name.length(), 2, 0), ascii(name));
            a = c.call(Wire.STORAGE_MODIFY_FILE, modify);
            assertEquals(0, a.status());
            assertArrayEquals(modify, a.body());
            a = c.call(Wire.STORAGE_APPEND_FILE, concat(longs(name.length(), 3), ascii(name), bytes("def")));
            assertEquals(0, a.status());
            assertEquals(0, a.body().length);
            assertEquals("abcdef", c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(0, 0, name)).text());
        }
    }

    @Test
    void truncateToALargerSizeExtendsTheFileWithZeros() throws Exception {
        String name = RawFdfs.upload(source, bytes("abcdefg"), "log", Wire.STORAGE_UPLOAD_APPENDER_FILE);
        try (RawFdfs c = new RawFdfs(source)) {
            assertEquals(0, c.call(Wire.STORAGE_TRUNCATE_FILE, concat(longs(name.length(), 20), ascii(name))).status());
            byte[] expected = Arrays.copyOf(bytes("abcdefg"), 20);
            assertArrayEquals(expected, c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(0, 0, name)).body());
            assertEquals(0, c.call(Wire.STORAGE_TRUNCATE_FILE, concat(longs(name.length(), 2), ascii(name))).status());
            assertEquals("ab", c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(0, 0, name)).text());
        }
    }

    @Test
    void metadataNamesAndValuesAreCutToTheLimitsDuplicatesKeptAndMergeIsAMergeJoin() throws Exception {
        String name = RawFdfs.upload(source, bytes("meta"), "txt", Wire.STORAGE_UPLOAD_FILE);
        String longName = "n".repeat(70);
        String longValue = "v".repeat(300);
        String sent = String.join("\u0001", longName + "\u0002" + longValue, "dup\u0002one", "dup\u0002two", "a\u0002b");
        try (RawFdfs c = new RawFdfs(source)) {
            assertEquals(0, c.call(Wire.STORAGE_SET_METADATA, setMeta(name, ascii(sent), Wire.METADATA_OVERWRITE))
                    .status());
            String stored = c.call(Wire.STORAGE_GET_METADATA, targetBody("group1", name)).text();
            assertEquals(String.join("\u0001", "a\u0002b", "dup\u0002one", "dup\u0002two",
                    "n".repeat(Wire.MAX_META_NAME_LEN) + "\u0002" + "v".repeat(Wire.MAX_META_VALUE_LEN)), stored);
            String merge = String.join("\u0001", "dup\u0002three", "dup\u0002four", "z\u0002z");
            assertEquals(0, c.call(Wire.STORAGE_SET_METADATA, setMeta(name, ascii(merge), Wire.METADATA_MERGE))
                    .status());
            String merged = c.call(Wire.STORAGE_GET_METADATA, targetBody("group1", name)).text();
            assertEquals(String.join("\u0001", "a\u0002b", "dup\u0002three", "dup\u0002four",
                    "n".repeat(Wire.MAX_META_NAME_LEN) + "\u0002" + "v".repeat(Wire.MAX_META_VALUE_LEN), "z\u0002z"),
                    merged);
        }
    }

    @Test
    void slaveFileInfoReportsTheSlavesOwnSizeAndCrc32() throws Exception {
        String master = RawFdfs.upload(source, bytes("hello world"), "txt", Wire.STORAGE_UPLOAD_FILE);
        byte[] data = bytes("slave data!");
        byte[] prefix = new byte[Wire.FILE_PREFIX_MAX_LEN];
        Wire.putFixed(prefix, 0, "_s", prefix.length);
        byte[] ext = new byte[Wire.FILE_EXT_NAME_MAX_LEN];
        Wire.putFixed(ext, 0, "txt", ext.length);
        try (RawFdfs c = new RawFdfs(source)) {
            RawFdfs.Answer up = c.call(Wire.STORAGE_UPLOAD_SLAVE_FILE,
                    concat(longs(master.length(), data.length), prefix, ext, ascii(master), data));
            String slave = up.text().substring(Wire.GROUP_NAME_MAX_LEN);
            RawFdfs.Answer info = c.call(Wire.STORAGE_QUERY_FILE_INFO, targetBody("group1", slave));
            CRC32 crc = new CRC32();
            crc.update(data);
            assertEquals(data.length, Wire.getLong(info.body(), 0));
            assertEquals(crc.getValue(), Wire.getLong(info.body(), 16) & 0xFFFFFFFFL);
        }
    }

    @Test
    void regenerateAppenderNameTurnsItIntoANormalFileUnderANewName() throws Exception {
        String appender = RawFdfs.upload(source, bytes("regen me"), "txt", Wire.STORAGE_UPLOAD_APPENDER_FILE);
        try (RawFdfs c = new RawFdfs(source)) {
            RawFdfs.Answer a = c.call(Wire.STORAGE_REGENERATE_APPENDER_FILENAME, ascii(appender));
            assertEquals(0, a.status());
            assertEquals("group1", Wire.getFixed(a.body(), 0, Wire.GROUP_NAME_MAX_LEN));
            String renamed = a.text().substring(Wire.GROUP_NAME_MAX_LEN);
            FdfsFileName parsed = FdfsFileName.parse(renamed);
            CRC32 crc = new CRC32();
            crc.update(bytes("regen me"));
            assertFalse(parsed.appender());
            assertEquals(8, parsed.fileSize());
            assertEquals((int) crc.getValue(), parsed.crc32());
            assertEquals(appender.substring(0, 10), renamed.substring(0, 10)); // same directory
            assertEquals(appender.substring(appender.length() - 7), renamed.substring(renamed.length() - 7));
            assertEquals("regen me", c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(0, 0, renamed)).text());
            assertEquals(Wire.ENOENT, c.call(Wire.STORAGE_DOWNLOAD_FILE, downloadBody(0, 0, appender)).status());
            // a normal file cannot be regenerated: EINVAL
            assertEquals(Wire.EINVAL, c.call(Wire.STORAGE_REGENERATE_APPENDER_FILENAME, ascii(renamed)).status());
        }
    }

    @Test
    void extensionsOfLettersDigitsDotsDashesAndUnderscoresAreAccepted() throws Exception {
        for (String ext : List.of("tar.gz", "a.b.c", ".gz", "tar.", "a-b", "a_b", "abcdef")) {
            String name = RawFdfs.upload(source, bytes("x"), ext, Wire.STORAGE_UPLOAD_FILE);
            assertTrue(name.endsWith("." + ext), name);
            assertEquals(44, name.length(), name);
        }
        for (String ext : List.of("a b", "a/b", "x+y", "\u00e9")) { // fdfs_validate_filename
            try (RawFdfs c = new RawFdfs(source)) {
                assertEquals(Wire.EINVAL, c.call(Wire.STORAGE_UPLOAD_FILE, RawFdfs.uploadBody(bytes("x"), ext))
                        .status(), ext);
            }
        }
    }

    @Test
    void anOversizedRequestIsReadToItsAnnouncedEndThenAnsweredEinvalAndClosed() throws Exception {
        String name = RawFdfs.upload(source, bytes("x"), "txt", Wire.STORAGE_UPLOAD_FILE);
        byte[] meta = new byte[300 * 1024];
        Arrays.fill(meta, (byte) 'v');
        byte[] body = setMeta(name, meta, Wire.METADATA_OVERWRITE);
        try (RawFdfs c = new RawFdfs(source)) {
            c.sendRaw(concat(Wire.header(body.length, Wire.STORAGE_SET_METADATA, (byte) 0), Arrays.copyOf(body, 1000)));
            assertTrue(c.silentFor(300)); // no early answer, no close: it waits for the body
            c.sendRaw(Arrays.copyOfRange(body, 1000, body.length));
            assertEquals(Wire.EINVAL, c.read().status());
            assertTrue(c.closedByPeer(2000));
        }
    }

    @Test
    void groupStoragePortIsMinusOneWhenItsStoragesUseDifferentPorts() throws Exception {
        assertTrue(source.port() != replica.port());
        try (RawFdfs c = new RawFdfs(tracker)) {
            RawFdfs.Answer a = c.call(Wire.TRACKER_LIST_ONE_GROUP, group("group1"));
            assertEquals(FdfsProtocol.V6_1X.groupStatSize(), a.body().length);
            // 6.1x TrackerGroupStat: name 17, total, free, reserved, trunk free, count, port
            assertEquals(-1, Wire.getLong(a.body(), 17 + 5 * 8));
        }
        source.pauseReplication();
        String name = RawFdfs.upload(replica, bytes("port"), "txt", Wire.STORAGE_UPLOAD_FILE);
        assertEquals(List.of(replica.address()), fetchOne(name)); // each storage's own port in fetch answers
    }
}
