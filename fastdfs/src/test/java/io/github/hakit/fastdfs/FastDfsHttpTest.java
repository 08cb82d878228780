package io.github.hakit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP downloads right after an upload (issue 10 §1): the replica's web server answers 404 until it has synced the
 * file. A 404 moves to the next server without counting (Nginx's {@code http_404}), and a fresh file is asked from
 * its source storage's web server first.
 */
class FastDfsHttpTest {
    private MockWebServer replica;
    private MockWebServer source;

    private static MockWebServer start(String host, int status, String body) throws Exception {
        MockWebServer s = new MockWebServer();
        s.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return new MockResponse().setResponseCode(status).setBody(body);
            }
        });
        s.start(InetAddress.getByName(host), 0);
        return s;
    }

    @BeforeEach
    void servers() throws Exception {
        replica = start("127.0.0.71", 404, "not synced yet");
        source = start("127.0.0.72", 200, "content");
    }

    @AfterEach
    void stop() throws Exception {
        replica.shutdown();
        source.shutdown();
    }

    private FastDfsHttp http() {
        // the replica first: round robin would start there
        return FastDfsHttp.builder().group("group1", "127.0.0.71:" + replica.getPort(), "127.0.0.72:" + source.getPort())
                .attemptTimeout(Duration.ofSeconds(2)).build();
    }

    private static FileId file(long createdEpochSecond) {
        return new FileId("group1", FakeFdfsServer.remoteName("127.0.0.72", createdEpochSecond, 7, 1));
    }

    @Test
    void aFreshFileIsAskedFromItsSourceStoragesWebServerFirst() {
        try (FastDfsHttp http = http()) {
            for (int i = 0; i < 10; i++) {
                assertEquals("content", new String(http.bytes(file(System.currentTimeMillis() / 1000)),
                        StandardCharsets.UTF_8));
            }
        }
        assertEquals(0, replica.getRequestCount(), "the replica was not asked for fresh files");
    }

    @Test
    void a404MovesToTheNextServerWithoutCountingAsAFailure() {
        try (FastDfsHttp http = http()) {
            FileId old = file(System.currentTimeMillis() / 1000 - 3600);
            for (int i = 0; i < 10; i++) {
                assertEquals("content", new String(http.bytes(old), StandardCharsets.UTF_8));
            }
            var row = http.upstream("group1").status().endpoint("127.0.0.71:" + replica.getPort());
            assertTrue(replica.getRequestCount() > 0, "round robin reached the replica");
            assertEquals(0, row.failures(), http.upstream("group1").status().render());
            assertTrue(row.state().takesTraffic());
        }
    }

    @Test
    void closeStopsTheOkHttpClientItBuilt() {
        FastDfsHttp http = http();
        http.bytes(file(System.currentTimeMillis() / 1000 - 3600));
        http.close();
        assertTrue(http.client().dispatcher().executorService().isShutdown());
        assertEquals(0, http.client().connectionPool().connectionCount());
    }
}
