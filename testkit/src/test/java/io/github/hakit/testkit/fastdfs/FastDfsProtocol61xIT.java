package io.github.hakit.testkit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.csource.fastdfs.StorageClient1;
import org.csource.fastdfs.TrackerClient;
import org.csource.fastdfs.TrackerServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The 6.1x layout: the answers that changed have the sizes measured on FastDFS 6.16, and the stock
 * fastdfs-client-java 1.30 cannot parse them (uploads and downloads still work: those packets did not
 * change).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FastDfsProtocol61xIT {
    private FastDfsTestCluster cluster;
    private TrackerServer tracker;

    @BeforeAll
    void start() throws IOException {
        cluster = FastDfsTestCluster.builder().trackers(1).group("group1", 2).group("group2", 2)
                .protocol(FdfsProtocol.V6_1X).build();
        tracker = new TrackerServer(new InetSocketAddress(cluster.tracker(0).host(), cluster.tracker(0).port()));
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    @Test
    void answersHaveThe61xSizes() throws IOException {
        assertEquals(2 * 113, bodyLength(Wire.TRACKER_LIST_ALL_GROUPS, new byte[0]));
        byte[] group = new byte[Wire.GROUP_NAME_MAX_LEN];
        Wire.putFixed(group, 0, "group1", Wire.GROUP_NAME_MAX_LEN);
        assertEquals(2 * 487, bodyLength(Wire.TRACKER_LIST_STORAGE, group));
    }

    @Test
    void stockClientStillUploadsAndDownloads() throws Exception {
        StorageClient1 client = new StorageClient1(tracker, null);
        String id = client.upload_file1("group1", "six-one".getBytes(StandardCharsets.UTF_8), "txt", null);
        cluster.awaitReplication(Duration.ofSeconds(10));
        assertArrayEquals("six-one".getBytes(StandardCharsets.UTF_8), client.download_file1(id));

        byte[] body = new byte[Wire.GROUP_NAME_MAX_LEN + id.length() - 7];
        Wire.putFixed(body, 0, "group1", Wire.GROUP_NAME_MAX_LEN);
        Wire.putFixed(body, Wire.GROUP_NAME_MAX_LEN, id.substring(7), id.length() - 7);
        assertEquals(39 + 23, bodyLength(Wire.TRACKER_QUERY_FETCH_ALL, body));
        // fastdfs-client-java 1.30 expects 39 + 15 * (n - 1) and gives up
        Exception e = assertThrows(Exception.class, () -> new TrackerClient().getFetchStorages1(tracker, id));
        assertTrue(e.getMessage().contains("62") || e.getMessage().toLowerCase().contains("length"), e.getMessage());
    }

    @Test
    void stockClientCannotParseListGroupsOrListStorages() {
        Exception groups = assertThrows(Exception.class, () -> new TrackerClient().listGroups(tracker));
        assertTrue(groups.getMessage().contains("226") || groups.getMessage().contains("length"), groups.getMessage());
        Exception storages = assertThrows(Exception.class, () -> new TrackerClient().listStorages(tracker, "group1"));
        assertTrue(storages.getMessage().contains("974") || storages.getMessage().contains("length"),
                storages.getMessage());
    }

    private int bodyLength(byte cmd, byte[] body) throws IOException {
        try (Socket s = new Socket(cluster.tracker(0).host(), cluster.tracker(0).port())) {
            s.setSoTimeout(2000);
            s.getOutputStream().write(Wire.header(body.length, cmd, (byte) 0));
            s.getOutputStream().write(body);
            InputStream in = s.getInputStream();
            byte[] h = Wire.readFully(in, Wire.HEADER_SIZE);
            assertEquals(0, h[9], "status");
            long len = Wire.getLong(h, 0);
            Wire.readFully(in, (int) len);
            return (int) len;
        }
    }
}
