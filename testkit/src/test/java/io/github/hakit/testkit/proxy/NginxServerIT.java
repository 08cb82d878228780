package io.github.hakit.testkit.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.RequiredServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NginxServerIT {
    @Test
    void servesAFileFromAnAliasAndIsGoneAfterKill(@TempDir Path tmp) throws Exception {
        RequiredServers.require(NginxServer.available(), "nginx (apt-get install nginx-light)");
        Path data = Files.createDirectories(tmp.resolve("data/00/00"));
        Files.writeString(data.resolve("hello.txt"), "hi from nginx");
        int port = Ports.freePort("127.0.0.21");
        try (NginxServer nginx = NginxServer.builder(tmp.resolve("nginx")).name("test")
                .server("127.0.0.21", port, "location /group1/M00/ { alias " + tmp.resolve("data") + "/; }")
                .start()) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.21:" + port + "/group1/M00/00/00/hello.txt"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("hi from nginx", r.body());
            nginx.kill();
            assertFalse(Ports.isListening("127.0.0.21", port, 500));
        }
    }
}
