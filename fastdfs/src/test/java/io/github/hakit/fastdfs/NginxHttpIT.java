package io.github.hakit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.EndpointStatus;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.RequiredServers;
import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import io.github.hakit.testkit.fastdfs.TestStorage;
import io.github.hakit.testkit.proxy.NginxServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.csource.fastdfs.ProtoCommon;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP downloads from real Nginx instances (one per storage, serving its {@code data/} directory), with the
 * seed's upstream semantics in the client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NginxHttpIT {
    private FastDfsTestCluster cluster;
    private FastDfsClient client;
    private final List<NginxServer> storageWeb = new ArrayList<>();
    private NginxServer badGateway;
    private final List<FileId> files = new ArrayList<>();

    @BeforeAll
    void start(@TempDir Path tmp) {
        RequiredServers.require(NginxServer.available(), "nginx (apt-get install nginx-light)");
        cluster = FastDfsTestCluster.builder().trackers(1).group("group1", 2).build();
        client = FastDfsClient.builder().trackers(cluster.trackerAddresses()).build();
        for (TestStorage s : cluster.storages("group1")) {
            storageWeb.add(NginxServer.builder(tmp.resolve("nginx-" + s.host())).name("web-" + s.host())
                    .server(s.host(), Ports.freePort(s.host()),
                            "location /group1/M00/ { alias " + s.dataDir() + "/; }")
                    .start());
        }
        badGateway = NginxServer.builder(tmp.resolve("nginx-502")).name("bad-gateway")
                .server("127.0.0.31", Ports.freePort("127.0.0.31"), "location / { return 502; }").start();
        for (int i = 0; i < 10; i++) {
            files.add(client.upload(UploadSource.of(("web file " + i).getBytes(StandardCharsets.UTF_8)),
                    UploadRequest.builder().ext("txt").build()));
        }
        cluster.awaitReplication(Duration.ofSeconds(20));
    }

    @AfterAll
    void stop() {
        storageWeb.forEach(NginxServer::stop);
        if (badGateway != null) {
            badGateway.stop();
        }
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String address(NginxServer n) {
        String conf = n.config();
        int at = conf.indexOf("listen ") + 7;
        return conf.substring(at, conf.indexOf(';', at));
    }

    @Test
    void downloadsContinueWhenOneStorageNginxIsKilled() {
        try (FastDfsHttp http = FastDfsHttp.builder().group("group1", address(storageWeb.get(0)),
                address(storageWeb.get(1))).attemptTimeout(Duration.ofSeconds(2)).build()) {
            for (int i = 0; i < files.size(); i++) {
                assertEquals("web file " + i, new String(http.bytes(files.get(i)), StandardCharsets.UTF_8));
            }
            storageWeb.get(0).kill();
            int failures = 0;
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < files.size(); i++) {
                    try {
                        assertEquals("web file " + i, new String(http.bytes(files.get(i)), StandardCharsets.UTF_8));
                    } catch (RuntimeException e) {
                        failures++;
                    }
                }
            }
            assertEquals(0, failures);
            EndpointStatus dead = http.upstream("group1").status().endpoint(address(storageWeb.get(0)));
            assertTrue(dead.statusText().startsWith("DOWN") || dead.statusText().contains("/"), dead.toString());
        } finally {
            storageWeb.get(0).start();
        }
    }

    @Test
    void badGatewayFromOneServerGoesToTheNextUpstream() {
        try (FastDfsHttp http = FastDfsHttp.builder().group("group1", address(badGateway), address(storageWeb.get(1)))
                .build()) {
            for (int i = 0; i < files.size(); i++) {
                assertEquals("web file " + i, new String(http.bytes(files.get(i)), StandardCharsets.UTF_8));
            }
        }
        try (FastDfsHttp onlyBad = FastDfsHttp.builder().group("group1", address(badGateway)).build()) {
            FastDfsHttpException e = assertThrows(FastDfsHttpException.class, () -> onlyBad.bytes(files.get(0)));
            assertEquals(502, e.status());
        }
    }

    @Test
    void nginxUpstreamBlockConfiguresAGroup() {
        String block = "upstream fdfs_group1 {\n"
                + "  server " + address(storageWeb.get(0)) + " weight=1 max_fails=2 fail_timeout=30s;\n"
                + "  server " + address(storageWeb.get(1)) + " weight=1 max_fails=2 fail_timeout=30s;\n"
                + "}\n" + FastDfsHttp.SEED_NEXT_UPSTREAM;
        try (FastDfsHttp http = FastDfsHttp.builder().groupUpstream("group1", block).build()) {
            assertArrayEquals(client.downloadBytes(files.get(3)), http.bytes(files.get(3)));
            assertEquals(2, http.upstream("group1").endpoints().get(0).maxFails());
        }
    }

    @Test
    void antiStealTokenMatchesTheStockClient() throws Exception {
        FileId id = files.get(0);
        long ts = 1_700_000_000L;
        assertEquals(ProtoCommon.getToken(id.remoteName(), (int) ts, "FastDFS1234567890"),
                FastDfsUrls.token(id, ts, "FastDFS1234567890"));
        String url = FastDfsUrls.builder("https://img.example.com/").antiStealSecret("FastDFS1234567890")
                .clock(java.time.Clock.fixed(java.time.Instant.ofEpochSecond(ts), java.time.ZoneOffset.UTC)).build()
                .url(id);
        assertEquals("https://img.example.com/" + id + "?token=" + FastDfsUrls.token(id, ts, "FastDFS1234567890")
                + "&ts=" + ts, url);
    }
}
