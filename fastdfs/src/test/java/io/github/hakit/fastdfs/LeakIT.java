package io.github.hakit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.fastdfs.FastDfsClusterExtension;
import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Build, use and close {@link FastDfsClient} and {@link FastDfsHttp} 200 times each: threads, file descriptors and
 * sockets of this JVM must come back to where they were (issue 14: {@code FastDfsHttp.close()} left its OkHttp
 * client's 188-200 sockets and 10 threads). The servers run in this JVM too: their sockets are counted (a connection
 * the client leaves open shows on both ends); their pool threads ({@code fdfs-*}) are not, pools keep idle threads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(FastDfsClusterExtension.class)
class LeakIT {
    private static final int CYCLES = 200;
    /** Threads and descriptors that come and go on their own (JIT, GC, JUnit, OkHttp's shared task runner). */
    private static final int SLACK = 4;
    /** Closed connections end on the server side within a read timeout; a margin for a loaded machine. */
    private static final Duration SETTLE = Duration.ofSeconds(20);

    private record Counts(int threads, long fds, long sockets) {
        static Counts now() {
            long fds;
            long sockets;
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                var links = s.map(p -> {
                    try {
                        return Files.readSymbolicLink(p).toString();
                    } catch (IOException e) {
                        return ""; // closed while listing
                    }
                }).toList();
                fds = links.size();
                sockets = links.stream().filter(l -> l.startsWith("socket:")).count();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // the testkit servers' own pool threads (fdfs-*) are left out: their pools keep idle threads for a
            // while, more of them the more connections a loaded machine had open at once (+5 failed the slack so);
            // the servers' sockets are counted, so a connection the client leaves open still shows
            int threads = (int) Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !t.getName().startsWith("fdfs-")).count();
            return new Counts(threads, fds, sockets);
        }

        boolean atMost(Counts base) {
            return threads <= base.threads + SLACK && fds <= base.fds + SLACK && sockets <= base.sockets + SLACK;
        }
    }

    private static void assertBackTo(Counts base, String what) {
        Await.until(SETTLE, () -> Counts.now().atMost(base), () -> what + ": before " + base + ", now " + Counts.now()
                + ", threads now " + threadNames());
        System.out.printf("%s x%d: before %s, after %s%n", what, CYCLES, base, Counts.now());
    }

    private static java.util.List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> !n.startsWith("fdfs-")).sorted().toList();
    }

    @Test
    void fastDfsClientLeavesNothingBehind(FastDfsTestCluster cluster) {
        byte[] data = "leak check".getBytes(StandardCharsets.UTF_8);
        Runnable cycle = () -> {
            try (FastDfsClient c = FastDfsClient.builder().trackers(cluster.trackerAddresses()).build()) {
                FileId id = c.upload(data, "txt");
                assertArrayEquals(data, c.downloadBytes(id));
                c.delete(id);
            }
        };
        cycle.run(); // warm up: classes, the servers' thread pools, OkHttp's and core's shared parts
        Counts base = Counts.now();
        for (int i = 0; i < CYCLES; i++) {
            cycle.run();
        }
        assertBackTo(base, "FastDfsClient");
    }

    @Test
    void fastDfsHttpClosesItsOkHttpClient() throws Exception {
        com.sun.net.httpserver.HttpServer web = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.81"), 0), 50);
        byte[] content = "content".getBytes(StandardCharsets.UTF_8);
        web.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, content.length);
            try (var out = exchange.getResponseBody()) {
                out.write(content);
            }
        });
        web.start();
        int port = web.getAddress().getPort();
        try {
            FileId id = FileId.parse("group1/M00/00/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt");
            Runnable cycle = () -> {
                try (FastDfsHttp http = FastDfsHttp.builder().group("group1", "127.0.0.81:" + port).build()) {
                    assertEquals("content", new String(http.bytes(id), StandardCharsets.UTF_8));
                }
            };
            cycle.run();
            Counts base = Counts.now();
            for (int i = 0; i < CYCLES; i++) {
                cycle.run();
            }
            assertBackTo(base, "FastDfsHttp");
        } finally {
            web.stop(0);
        }
    }
}
