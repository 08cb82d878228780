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
    private static final java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean();
    private static final java.util.concurrent.atomic.AtomicInteger fragileHits = new java.util.concurrent.atomic.AtomicInteger();
    private static final List<Integer> fragilePorts = new ArrayList<>();

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
        for (int i = 0; i < 2; i++) {
            // answers 200, or (while failing) closes the connection without an answer: an upstream error
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            s.createContext("/", ex -> {
                fragileHits.incrementAndGet();
                if (failing.get()) {
                    ex.getResponseBody().close();
                    ex.close();
                    return;
                }
                byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, ok.length);
                ex.getResponseBody().write(ok);
                ex.close();
            });
            s.start();
            servers.add(s);
            fragilePorts.add(s.getAddress().getPort());
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
                    upstream fragile {
                        server 127.0.0.1:%4$d max_fails=1 fail_timeout=2s;
                        server 127.0.0.1:%5$d max_fails=1 fail_timeout=2s;
                    }
                    server {
                        listen 127.0.0.1:%3$d;
                        location /plain { proxy_pass http://plain; }
                        location /ketama { proxy_pass http://ketama; }
                        location /rr { proxy_pass http://rr; }
                        location /fragile { proxy_pass http://fragile; }
                    }
                }
                """.formatted(dir, block, nginxPort, fragilePorts.get(0), fragilePorts.get(1));
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

    private static int status(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + nginxPort + path).toURL()
                .openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(5000);
        try {
            return c.getResponseCode();
        } finally {
            c.disconnect();
        }
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

    @Test
    void noLiveUpstreamsWhileEveryServerIsOutEvenWhenTheyAreHealthyAgain() throws Exception {
        // Nginx 1.22: after both servers failed, requests get 502 without contacting anyone until fail_timeout is
        // over (no reset of the failure counts); hakit's parsed upstream answers the same way
        failing.set(true);
        assertEquals(502, status("/fragile"), "both servers fail");
        failing.set(false);
        int before = fragileHits.get();
        long failedAt = System.nanoTime();
        assertEquals(502, status("/fragile"), "no live upstreams");
        assertEquals(before, fragileHits.get(), "Nginx contacted no server while both are out");

        io.github.hakit.core.testing.FakeClock clock = new io.github.hakit.core.testing.FakeClock();
        String text = "upstream fragile {\n server 127.0.0.1:" + fragilePorts.get(0)
                + " max_fails=1 fail_timeout=2s;\n server 127.0.0.1:" + fragilePorts.get(1)
                + " max_fails=1 fail_timeout=2s;\n}\n";
        try (Upstream u = Upstream.builder("fragile").config(NginxUpstreamParser.parse(text)).ticker(clock)
                .scheduler(clock).logging(false).build()) {
            org.junit.jupiter.api.Assertions.assertThrows(io.github.hakit.core.NoLiveEndpointException.class,
                    () -> u.execute(a -> {
                        throw new java.net.SocketException("Connection reset");
                    }));
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            org.junit.jupiter.api.Assertions.assertThrows(io.github.hakit.core.NoLiveEndpointException.class,
                    () -> u.execute(a -> calls.incrementAndGet()));
            assertEquals(0, calls.get(), "hakit contacted no endpoint either");
            clock.forward(java.time.Duration.ofSeconds(4));
            assertEquals(1, (int) u.execute(a -> calls.incrementAndGet()), "back after fail_timeout (whole seconds)");
        }
        // Nginx lets them back after 2 s (whole seconds: 2..3 s after the failure); poll with margin
        long deadline = failedAt + TimeUnit.SECONDS.toNanos(15);
        int code = 0;
        while (System.nanoTime() - deadline < 0 && (code = status("/fragile")) != 200) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // poll, gently
        }
        assertEquals(200, code);
        assertTrue(System.nanoTime() - failedAt >= TimeUnit.SECONDS.toNanos(2) - TimeUnit.MILLISECONDS.toNanos(50),
                "not before fail_timeout");
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
