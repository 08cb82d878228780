package io.github.hakit.examples.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.RequiredServers;
import io.github.hakit.testkit.proxy.NginxServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Streaming both ways: a 1 GiB upload through the REST API and its download through the storage protocol and over
 * HTTP, in a JVM with a 128 MiB heap (this class runs in the {@code small-heap} Failsafe execution, -Xmx128m, app and
 * embedded cluster included). The body is generated and checked on the fly; nothing holds the file.
 * {@code -Dhakit.largeFile.mib=N} changes the size.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LargeFileSmallHeapIT {
    private static final long SIZE = Long.getLong("hakit.largeFile.mib", 1024) * 1024 * 1024;

    @LocalServerPort
    int port;

    @Test
    void aOneGibUploadAndBothDownloadsStreamInA128MibHeap() throws Exception {
        RequiredServers.require(NginxServer.available(), "nginx (apt-get install nginx-light)");
        // only the small-heap execution (which sets hakit.smallHeap) proves anything; a run picked by -Dit.test in the
        // default execution is skipped, never passed
        Assumptions.assumeTrue(Boolean.getBoolean("hakit.smallHeap"), "runs in the small-heap Failsafe execution");
        assertTrue(Runtime.getRuntime().maxMemory() <= 160L * 1024 * 1024,
                "run with -Xmx128m (small-heap execution), max heap " + Runtime.getRuntime().maxMemory());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest upload = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/files?group=group2&name=big.bin"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new Generated(SIZE)), SIZE))
                .timeout(Duration.ofMinutes(5)).build();
        HttpResponse<String> answer = http.send(upload, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        String id = answer.body().replaceAll(".*\"fileId\":\"([^\"]+)\".*", "$1");
        assertTrue(id.startsWith("group2/"), answer.body());
        long expected = crcOf(new Generated(SIZE));
        for (String via : new String[] {"storage", "http"}) {
            HttpResponse<InputStream> down = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/download?via=" + via + "&id=" + URLEncoder.encode(id, StandardCharsets.UTF_8)))
                    .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, down.statusCode(), via);
            try (InputStream in = down.body()) {
                assertEquals(expected, crcOf(in), via + " download differs");
            }
        }
    }

    private static long crcOf(InputStream in) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            crc.update(buf, 0, n);
            total += n;
        }
        assertEquals(SIZE, total, "bytes");
        return crc.getValue();
    }

    /** {@code size} pseudo-random bytes, the same every time, made as they are read. */
    static final class Generated extends InputStream {
        private long left;
        private long state = 0x9E3779B97F4A7C15L;

        Generated(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) {
                state ^= state << 13;
                state ^= state >>> 7;
                state ^= state << 17;
                b[off + i] = (byte) state;
            }
            left -= n;
            return n;
        }
    }
}
