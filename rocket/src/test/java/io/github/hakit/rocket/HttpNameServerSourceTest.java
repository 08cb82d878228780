package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpNameServerSourceTest {
    private HttpServer server;
    private final AtomicReference<String> body = new AtomicReference<>("127.0.0.1:9876;127.0.0.1:9877");
    private final AtomicInteger status = new AtomicInteger(200);
    private HttpNameServerSource source;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/rocketmq/nsaddr", exchange -> {
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        source = new HttpNameServerSource(new OkHttpClient(),
                "http://127.0.0.1:" + server.getAddress().getPort() + "/rocketmq/nsaddr");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void readsTheAddressServerFormat() throws IOException {
        assertEquals(List.of("127.0.0.1:9876", "127.0.0.1:9877"), source.fetch(Duration.ofSeconds(2)));
        body.set("127.0.0.1:9878\n");
        assertEquals(List.of("127.0.0.1:9878"), source.fetch(Duration.ofSeconds(2)));
    }

    @Test
    void errorStatusesAndUnusableBodiesAreFailures() {
        status.set(503);
        assertThrows(IOException.class, () -> source.fetch(Duration.ofSeconds(2)));
        status.set(200);
        body.set("");
        assertThrows(IOException.class, () -> source.fetch(Duration.ofSeconds(2)));
        body.set("not-an-address");
        assertThrows(IOException.class, () -> source.fetch(Duration.ofSeconds(2)));
    }

    @Test
    void rejectsBadUrls() {
        assertThrows(IllegalArgumentException.class, () -> new HttpNameServerSource(new OkHttpClient(), "ftp://x"));
    }
}
