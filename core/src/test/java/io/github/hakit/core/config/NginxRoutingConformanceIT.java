package io.github.hakit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.github.hakit.core.Peer;
import io.github.hakit.core.Upstream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hakit against a real Nginx 1.22 (the Debian package) routing to local HTTP servers: for the same
 * {@code upstream} block, {@code hash $arg_k} and {@code hash $arg_k consistent} send every key to the server
 * hakit's {@link io.github.hakit.core.balance.Balancer#HASH} / {@code CONSISTENT_HASH} pick for it, and plain round
 * robin gives the same sequence. One Nginx and three servers for the class, stopped by PID.
 */
class NginxRoutingConformanceIT {
    @TempDir
    static Path dir;
    private static final List<HttpServer> servers = new ArrayList<>();
    private static final List<Integer> ports = new ArrayList<>();
    private static Process nginx;
    private static int nginxPort;
    private static String block;

    @BeforeAll
    static void start() throws Exception {
        ParserConformanceProxy.require("nginx");
        for (int i = 0; i < 3; i++) {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            int port = s.getAddress().getPort();
            byte[] body = ("127.0.0.1:" + port).getBytes(StandardCharsets.UTF_8);
            s.createContext("/", ex -> {
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            s.start();
            servers.add(s);
            ports.add(port);
        }
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            nginxPort = probe.getLocalPort();
        }
        StringBuilder servers = new StringBuilder();
        int[] weights = {2, 1, 3};
        for (int i = 0; i < 3; i++) {
            servers.append("        server 127.0.0.1:").append(ports.get(i)).append(" weight=").append(weights[i])
                    .append(";\n");
        }
        block = servers.toString();
        String conf = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/tmp; proxy_temp_path %1$s/tmp; fastcgi_temp_path %1$s/tmp;
                    uwsgi_temp_path %1$s/tmp; scgi_temp_path %1$s/tmp;
                    upstream plain {
                        hash $arg_k;
                %2$s    }
                    upstream ketama {
                        hash $arg_k consistent;
                %2$s    }
                    upstream rr {
                %2$s    }
                    server {
                        listen 127.0.0.1:%3$d;
                        location /plain { proxy_pass http://plain; }
                        location /ketama { proxy_pass http://ketama; }
                        location /rr { proxy_pass http://rr; }
                    }
                }
                """.formatted(dir, block, nginxPort);
        Files.createDirectories(dir.resolve("tmp"));
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        nginx = new ProcessBuilder("/usr/sbin/nginx", "-p", dir.toString(), "-c", file.toString(), "-e",
                dir.resolve("error.log").toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                get("/rr");
                break;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !nginx.isAlive()) {
                    throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("error.log")),
                            notYet);
                }
                Thread.onSpinWait();
            }
        }
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (nginx != null) {
            nginx.destroy();
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                nginx.destroyForcibly();
            }
        }
        servers.forEach(s -> s.stop(0));
    }

    private static String get(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + nginxPort + path).toURL()
                .openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(5000);
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    private static Upstream upstream(String method) {
        String text = "upstream u {\n" + method + "\n" + block + "}\n";
        return Upstream.builder("u").config(NginxUpstreamParser.parse(text)).logging(false).build();
    }

    @Test
    void moduloHashSendsEveryKeyWhereNginxSendsIt() throws IOException {
        try (Upstream u = upstream("hash $arg_k;")) {
            for (int k = 0; k < 300; k++) {
                String key = "key-" + k;
                Peer p = u.pick(key);
                u.release(p);
                assertEquals(get("/plain?k=" + key), p.endpoint().name(), "key " + key);
            }
        }
    }

    @Test
    void consistentHashSendsEveryKeyWhereNginxSendsIt() throws IOException {
        try (Upstream u = upstream("hash $arg_k consistent;")) {
            for (int k = 0; k < 300; k++) {
                String key = "user/" + k;
                Peer p = u.pick(key);
                u.release(p);
                assertEquals(get("/ketama?k=" + java.net.URLEncoder.encode(key, StandardCharsets.UTF_8)
                        .replace("%2F", "/")), p.endpoint().name(), "key " + key);
            }
        }
    }

    @Test
    void roundRobinGivesNginxsSequence() throws IOException {
        // one worker process: Nginx's smooth weighted round robin over 2/1/3 repeats every 6 requests; the start-up
        // probes shifted its start, so its cycle must be a rotation of hakit's
        try (Upstream u = upstream("")) {
            List<String> hakit = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Peer p = u.pick();
                hakit.add(p.endpoint().name());
                u.release(p);
            }
            List<String> nginxSeq = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                nginxSeq.add(get("/rr"));
            }
            assertEquals(6, periodOf(nginxSeq), "weights 2/1/3: period 6 " + nginxSeq);
            String doubled = String.join(",", hakit) + "," + String.join(",", hakit);
            assertTrue(doubled.contains(String.join(",", nginxSeq.subList(0, 6))),
                    "nginx " + nginxSeq + " is a rotation of hakit " + hakit);
        }
    }

    private static int periodOf(List<String> seq) {
        for (int p = 1; p < seq.size(); p++) {
            boolean ok = true;
            for (int i = p; i < seq.size(); i++) {
                ok &= seq.get(i).equals(seq.get(i - p));
            }
            if (ok) {
                return p;
            }
        }
        return seq.size();
    }
}
