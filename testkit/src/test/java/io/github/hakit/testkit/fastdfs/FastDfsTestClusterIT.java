package io.github.hakit.testkit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.zip.CRC32;
import org.csource.common.MyException;
import org.csource.common.NameValuePair;
import org.csource.fastdfs.ClientGlobal;
import org.csource.fastdfs.FileInfo;
import org.csource.fastdfs.ProtoCommon;
import org.csource.fastdfs.ServerInfo;
import org.csource.fastdfs.StorageClient1;
import org.csource.fastdfs.StorageServer;
import org.csource.fastdfs.StructGroupStat;
import org.csource.fastdfs.StructStorageStat;
import org.csource.fastdfs.TrackerClient;
import org.csource.fastdfs.TrackerServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The stock fastdfs-client-java 1.30 against the testkit cluster, 6.06 layout: its calls work unchanged. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FastDfsTestClusterIT {
    private FastDfsTestCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = FastDfsTestCluster.builder().trackers(2).group("group1", 2).group("group2", 2).build();
        Properties p = new Properties();
        p.setProperty(ClientGlobal.PROP_KEY_TRACKER_SERVERS, cluster.trackerAddresses());
        p.setProperty(ClientGlobal.PROP_KEY_CONNECT_TIMEOUT_IN_SECONDS, "2");
        p.setProperty(ClientGlobal.PROP_KEY_NETWORK_TIMEOUT_IN_SECONDS, "5");
        p.setProperty(ClientGlobal.PROP_KEY_CONNECTION_POOL_ENABLED, "false");
        ClientGlobal.initByProperties(p);
    }

    @AfterAll
    void stopCluster() {
        cluster.close();
    }

    @BeforeEach
    void allServersUp() {
        cluster.trackers().forEach(FdfsServer::start);
        cluster.storages().forEach(s -> {
            s.resume();
            s.start();
        });
        cluster.replicationDelay(Duration.ZERO);
        cluster.fetchRouting(FetchRouting.SYNC_AWARE);
    }

    private StorageClient1 client() throws IOException {
        TrackerServer ts = new TrackerClient().getTrackerServer();
        return new StorageClient1(ts, null);
    }

    @Test
    void stockClientUploadsDownloadsAndDeletes() throws Exception {
        StorageClient1 client = client();
        byte[] data = "hello fastdfs".getBytes(StandardCharsets.UTF_8);
        String fileId = client.upload_file1(data, "txt", new NameValuePair[] {new NameValuePair("author", "hakit")});
        assertNotNull(fileId);
        assertTrue(fileId.matches("group[12]/M00/[0-9A-F]{2}/[0-9A-F]{2}/[A-Za-z0-9_-]{27}[0-9]{3}\\.txt"), fileId);
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertArrayEquals(data, client.download_file1(fileId));
        assertArrayEquals(Arrays.copyOfRange(data, 6, 9), client.download_file1(fileId, 6, 3));

        NameValuePair[] meta = client.get_metadata1(fileId);
        assertEquals(1, meta.length);
        assertEquals("author", meta[0].getName());
        assertEquals("hakit", meta[0].getValue());

        FileInfo info = client.get_file_info1(fileId);
        CRC32 crc = new CRC32();
        crc.update(data);
        assertEquals(data.length, info.getFileSize());
        assertEquals(crc.getValue(), info.getCrc32() & 0xFFFFFFFFL);
        String group = fileId.substring(0, 6);
        Set<String> hosts = new HashSet<>();
        cluster.storages(group).forEach(s -> hosts.add(s.host()));
        assertTrue(hosts.contains(info.getSourceIpAddr()), info.toString());

        FileInfo queried = client.query_file_info1(fileId);
        assertEquals(data.length, queried.getFileSize());
        assertEquals(info.getSourceIpAddr(), queried.getSourceIpAddr());

        assertEquals(0, client.delete_file1(fileId));
        // the replica, which trackers offer once it holds the file, loses it when the delete has replicated
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertNull(client.download_file1(fileId));
        assertEquals(ProtoCommon.ERR_NO_ENOENT, client.getErrorCode());
        assertEquals(ProtoCommon.ERR_NO_ENOENT, client.delete_file1(fileId));
    }

    @Test
    void uploadsWithoutGroupAlternateGroupsAndFilesAreOnDiskInDataLayout() throws Exception {
        StorageClient1 client = client();
        Set<String> groups = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            String id = client.upload_file1(("file " + i).getBytes(StandardCharsets.UTF_8), "bin", null);
            groups.add(id.substring(0, 6));
            String remote = id.substring(7);
            TestStorage holder = cluster.storages(id.substring(0, 6)).stream()
                    .filter(s -> s.hasFile(remote)).findFirst().orElseThrow();
            assertEquals("file " + i, Files.readString(holder.dataDir().resolve(remote.substring(4))));
        }
        assertEquals(Set.of("group1", "group2"), groups);
    }

    @Test
    void uploadToNamedGroupAndReplicationReachesTheOtherStorage() throws Exception {
        StorageClient1 client = client();
        String id = client.upload_file1("group2", "x".repeat(1000).getBytes(StandardCharsets.UTF_8), "dat", null);
        assertTrue(id.startsWith("group2/"), id);
        cluster.awaitReplication(Duration.ofSeconds(10));
        for (TestStorage s : cluster.storages("group2")) {
            assertTrue(s.hasFile(id.substring(7)), s.name());
        }
    }

    @Test
    void delayedReplicationLeavesTheReplicaWithoutTheFileUntilItIsDue() throws Exception {
        cluster.replicationDelay(Duration.ofSeconds(3));
        StorageClient1 client = client();
        String id = client.upload_file1("group1", new byte[] {1, 2, 3}, "", null);
        String remote = id.substring(7);
        long holders = cluster.storages("group1").stream().filter(s -> s.hasFile(remote)).count();
        assertEquals(1, holders);
        TestStorage replica = cluster.storages("group1").stream().filter(s -> !s.hasFile(remote)).findFirst()
                .orElseThrow();
        StorageClient1 direct = new StorageClient1(null, new StorageServer(replica.host(), replica.port(), 0));
        assertNull(direct.download_file1(id));
        assertEquals(ProtoCommon.ERR_NO_ENOENT, direct.getErrorCode());
        // a sync-aware tracker sends downloads to the source
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(new byte[] {1, 2, 3}, client().download_file1(id));
        }
        // a tracker with a stale sync view sends some of them to the replica, which answers ENOENT
        cluster.fetchRouting(FetchRouting.IGNORE_SYNC);
        int missing = 0;
        for (int i = 0; i < 8; i++) {
            StorageClient1 c = client();
            if (c.download_file1(id) == null) {
                assertEquals(ProtoCommon.ERR_NO_ENOENT, c.getErrorCode());
                missing++;
            }
        }
        assertTrue(missing >= 1 && missing < 8, "downloads that hit the unsynced replica: " + missing);
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertArrayEquals(new byte[] {1, 2, 3}, direct.download_file1(id));
    }

    @Test
    void appenderAppendModifyTruncateAndSlaveFiles() throws Exception {
        StorageClient1 client = client();
        String appender = client.upload_appender_file1("group1", "abc".getBytes(StandardCharsets.UTF_8), "log", null);
        assertEquals(0, client.append_file1(appender, "def".getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, client.modify_file1(appender, 1, "XY".getBytes(StandardCharsets.UTF_8)));
        cluster.awaitReplication(Duration.ofSeconds(10)); // a download may go to the replica
        assertEquals("aXYdef", new String(client.download_file1(appender), StandardCharsets.UTF_8));
        assertEquals(0, client.truncate_file1(appender, 2));
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals("aX", new String(client.download_file1(appender), StandardCharsets.UTF_8));
        FileInfo info = client.get_file_info1(appender);
        assertEquals(2, info.getFileSize());

        String master = client.upload_file1("group1", "master".getBytes(StandardCharsets.UTF_8), "jpg", null);
        cluster.awaitReplication(Duration.ofSeconds(10));
        String slave = client.upload_file1(master, "_small", "slave".getBytes(StandardCharsets.UTF_8), "jpg", null);
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals(master.replace(".jpg", "_small.jpg"), slave);
        assertEquals("slave", new String(client.download_file1(slave), StandardCharsets.UTF_8));
        assertNull(client.upload_file1(master, "_small", "again".getBytes(StandardCharsets.UTF_8), "jpg", null));
        assertEquals(17, client.getErrorCode()); // EEXIST

        // appending to a normal file is refused
        assertEquals(ProtoCommon.ERR_NO_EINVAL, client.append_file1(master, "x".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void metadataMergeAndOverwrite() throws Exception {
        StorageClient1 client = client();
        String id = client.upload_file1(new byte[] {9}, "", new NameValuePair[] {new NameValuePair("a", "1")});
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals(0, client.set_metadata1(id, new NameValuePair[] {new NameValuePair("b", "2")},
                ProtoCommon.STORAGE_SET_METADATA_FLAG_MERGE));
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertEquals(2, client.get_metadata1(id).length);
        assertEquals(0, client.set_metadata1(id, new NameValuePair[] {new NameValuePair("c", "3")},
                ProtoCommon.STORAGE_SET_METADATA_FLAG_OVERWRITE));
        cluster.awaitReplication(Duration.ofSeconds(10));
        NameValuePair[] meta = client.get_metadata1(id);
        assertEquals(1, meta.length);
        assertEquals("c", meta[0].getName());
    }

    @Test
    void trackerListsGroupsStoragesAndFetchAllIn606Layout() throws Exception {
        TrackerClient tc = new TrackerClient();
        TrackerServer ts = tc.getTrackerServer();
        StructGroupStat[] groups = tc.listGroups(ts);
        assertEquals(2, groups.length);
        assertEquals("group1", groups[0].getGroupName());
        assertEquals(2, groups[0].getStorageCount());
        assertEquals(2, groups[0].getActiveCount());
        assertEquals(cluster.storage("group1", 0).port(), groups[0].getStoragePort());

        StructStorageStat[] storages = tc.listStorages(ts, "group2");
        assertEquals(2, storages.length);
        assertEquals(cluster.storage("group2", 0).host(), storages[0].getIpAddr());
        assertEquals(ProtoCommon.FDFS_STORAGE_STATUS_ACTIVE, storages[0].getStatus());
        assertEquals("6.06", storages[0].getVersion());

        String id = client().upload_file1("group2", new byte[] {1}, "", null);
        cluster.awaitReplication(Duration.ofSeconds(10));
        ServerInfo[] replicas = tc.getFetchStorages1(ts, id);
        assertEquals(2, replicas.length);

        cluster.storage("group2", 1).stop();
        storages = tc.listStorages(ts, "group2");
        assertEquals(ProtoCommon.FDFS_STORAGE_STATUS_OFFLINE, storages[1].getStatus());
        assertEquals(1, tc.listGroups(ts)[1].getActiveCount());
    }

    @Test
    void storageIdsGoIntoFileNamesAndTheClientDecodesThem() throws Exception {
        try (FastDfsTestCluster withIds = FastDfsTestCluster.builder().trackers(1).group("group1", 2)
                .useStorageIds(true).build()) {
            TrackerServer ts = new TrackerServer(new InetSocketAddress(withIds.tracker(0).host(),
                    withIds.tracker(0).port()));
            StorageClient1 client = new StorageClient1(ts, null);
            String id = client.upload_file1(new byte[] {1, 2}, "png", null);
            FdfsFileName name = FdfsFileName.parse(id.substring(7));
            assertTrue(name.source().equals("100001") || name.source().equals("100002"), name.toString());
            FileInfo info = client.query_file_info1(id);
            assertEquals(2, info.getFileSize());
            assertTrue(info.getSourceIpAddr().startsWith("127.0.0.1"), info.toString());
            StructStorageStat[] stats = new TrackerClient().listStorages(ts, "group1");
            assertEquals("100001", stats[0].getId());
        }
    }

    @Test
    void stoppedTrackerRefusesConnectionsAndRestarts() throws Exception {
        TestTracker t = cluster.tracker(0);
        t.stop();
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(t.host(), t.port()), 1000);
            }
        });
        t.start();
        assertTrue(activeTest(t, 1000));
    }

    @Test
    void blackHoledServerAcceptsButNeverAnswersUntilResumed() throws Exception {
        TestStorage s = cluster.storage("group1", 0);
        s.blackHole();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(s.host(), s.port()), 1000);
            socket.setSoTimeout(300);
            socket.getOutputStream().write(Wire.header(0, Wire.CMD_ACTIVE_TEST, (byte) 0));
            assertThrows(SocketTimeoutException.class, () -> socket.getInputStream().read());
            s.resume();
            socket.setSoTimeout(2000);
            byte[] answer = Wire.readFully(socket.getInputStream(), Wire.HEADER_SIZE);
            assertEquals(Wire.CMD_RESP, answer[8]);
            assertEquals(0, answer[9]);
        }
        // a black-holed storage still counts as ACTIVE on the trackers (like a frozen process)
        s.blackHole();
        StructStorageStat[] storages = new TrackerClient().listStorages(new TrackerClient().getTrackerServer(), "group1");
        assertEquals(ProtoCommon.FDFS_STORAGE_STATUS_ACTIVE, storages[0].getStatus());
        s.resume();
    }

    @Test
    void unknownCommandAnswersEinvalAndKeepsTheConnection() throws Exception {
        TestTracker t = cluster.tracker(1);
        try (Socket socket = new Socket(t.host(), t.port())) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(Wire.header(0, (byte) 55, (byte) 0));
            byte[] answer = Wire.readFully(in, Wire.HEADER_SIZE);
            assertEquals(Wire.EINVAL, answer[9]);
            out.write(Wire.header(0, Wire.CMD_ACTIVE_TEST, (byte) 0));
            answer = Wire.readFully(in, Wire.HEADER_SIZE);
            assertEquals(0, answer[9]);
            // a negative package length closes the connection
            out.write(Wire.header(-1, Wire.CMD_ACTIVE_TEST, (byte) 0));
            assertEquals(-1, in.read());
        }
    }

    @Test
    void forgedFileNamesAreRejectedWithEinval() throws Exception {
        MyException fromTracker = assertThrows(MyException.class,
                () -> client().download_file1("group1/M00/../../etc/passwd_xxxxxxxxxxxxxxxxxxxxxxxx"));
        assertTrue(fromTracker.getMessage().contains("22"), fromTracker.getMessage());
        StorageServer storage = new StorageServer(cluster.storage("group1", 0).host(),
                cluster.storage("group1", 0).port(), 0);
        StorageClient1 direct = new StorageClient1(null, storage);
        assertNull(direct.download_file1("group1/M00/../../etc/passwd_xxxxxxxxxxxxxxxxxxxxxxxx"));
        assertEquals(ProtoCommon.ERR_NO_EINVAL, direct.getErrorCode());
        assertNull(direct.download_file1("group2/M00/00/00/CgAAC2AAAAAAAAAAAAAAAAAAAAA.txt"));
        assertEquals(ProtoCommon.ERR_NO_EINVAL, direct.getErrorCode()); // wrong group for this storage
    }

    @Test
    void fullDisksAnswerEnospcAndAreNotChosenForUploads() throws Exception {
        TestStorage full = cluster.storage("group2", 0);
        full.diskFull(true);
        try {
            StorageClient1 client = client();
            for (int i = 0; i < 4; i++) {
                String id = client.upload_file1("group2", new byte[] {1}, "", null);
                assertTrue(cluster.storage("group2", 1).hasFile(id.substring(7)), "tracker avoids the full storage");
            }
            StorageClient1 direct = new StorageClient1(null, new StorageServer(full.host(), full.port(), 0));
            assertNull(direct.upload_file1(new byte[] {1}, "", null));
            assertEquals(ProtoCommon.ERR_NO_ENOSPC, direct.getErrorCode());
            cluster.storage("group2", 1).diskFull(true);
            MyException e = assertThrows(MyException.class, () -> client().upload_file1("group2", new byte[] {1}, "", null));
            assertTrue(e.getMessage().contains("28"), e.getMessage());
        } finally {
            cluster.storages("group2").forEach(s -> s.diskFull(false));
        }
    }

    @Test
    void stoppedStorageIsOfflineAndUploadsGoToTheOtherStorage() throws Exception {
        cluster.storage("group1", 0).stop();
        StorageClient1 client = client();
        for (int i = 0; i < 3; i++) {
            String id = client.upload_file1("group1", new byte[] {(byte) i}, "", null);
            assertTrue(cluster.storage("group1", 1).hasFile(id.substring(7)));
        }
        cluster.storage("group1", 1).stop();
        assertThrows(MyException.class, () -> client.upload_file1("group1", new byte[] {1}, "", null));
        assertFalse(cluster.storage("group1", 1).isListening());
    }

    private static boolean activeTest(FdfsServer server, int timeoutMillis) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(server.host(), server.port()), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            return ProtoCommon.activeTest(s);
        }
    }
}
