package io.github.hakit.bench.fastdfs;

import io.github.hakit.testkit.TempDirs;
import io.github.hakit.fastdfs.FastDfsClient;
import io.github.hakit.fastdfs.FastDfsHttp;
import io.github.hakit.fastdfs.FileId;
import io.github.hakit.fastdfs.UploadRequest;
import io.github.hakit.fastdfs.UploadSource;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import io.github.hakit.testkit.fastdfs.TestStorage;
import io.github.hakit.testkit.proxy.NginxServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.csource.fastdfs.ClientGlobal;
import org.csource.fastdfs.StorageClient1;
import org.csource.fastdfs.TrackerClient;

/**
 * End-to-end FastDFS throughput, side by side in one run against the same testkit cluster (2 trackers,
 * group1 with 2 storages): uploads and downloads per second through hakit and through the stock
 * fastdfs-client-java 1.30 (its connection pool on), for 1 KiB and 1 MiB files; and HTTP downloads
 * through hakit's {@link FastDfsHttp} straight to the storage Nginxes vs through an Nginx proxy with the
 * seed's {@code upstream fdfs_group1} in front of them. Measurements alternate (hakit, stock, hakit, stock,
 * ...) so machine noise hits both; the median of the rounds is reported.
 *
 * <p>With {@code -Dhakit.fastdfs.bench.trackers=host:port,...} the native rows run against that existing cluster
 * instead (its group {@code group1}; no HTTP rows) and go to a section of their own, labelled with
 * {@code -Dhakit.fastdfs.bench.server="..."}: every figure in BENCHMARKS.md names the server it ran against.
 *
 * <pre>
 * mvn -B -q -ntp -pl bench -am compile exec:java -Dexec.mainClass=io.github.hakit.bench.fastdfs.FastDfsBench \
 *     -Dexec.args="docs/BENCHMARKS.md"
 * </pre>
 */
public final class FastDfsBench {
    private static final Duration ROUND = Duration.ofSeconds(2);
    private static final int ROUNDS = 7;
    private static final String START = "<!-- fastdfs-bench:start -->";
    private static final String END = "<!-- fastdfs-bench:end -->";
    private static final String REAL_START = "<!-- fastdfs-bench-real:start -->";
    private static final String REAL_END = "<!-- fastdfs-bench-real:end -->";

    private FastDfsBench() {
    }

    @FunctionalInterface
    interface Op {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
        String external = System.getProperty("hakit.fastdfs.bench.trackers", "").strip();
        if (!external.isEmpty()) {
            externalCluster(out, external, System.getProperty("hakit.fastdfs.bench.server", "an external cluster"));
            return;
        }
        StringBuilder report = new StringBuilder();
        report.append(START).append('\n').append("## FastDFS (hakit-fastdfs) against the testkit's Java servers\n\n")
                .append(runLine()).append("; server: **testkit** cluster in the benchmark's JVM on loopback (2 trackers, ")
                .append("group1 with 2 storages), one calling thread, ")
                .append(ROUNDS).append(" alternating rounds of ").append(ROUND.toSeconds())
                .append(" s, median ops/s.\n\n")
                .append(NATIVE_TABLE_HEAD);
        Path tmp = Files.createTempDirectory("hakit-fdfs-bench");
        try (FastDfsTestCluster cluster = FastDfsTestCluster.builder().trackers(2).group("group1", 2)
                .dataDir(tmp.resolve("data")).build();
                FastDfsClient hakit = FastDfsClient.builder().trackers(cluster.trackerAddresses()).build()) {
            nativeRows(report, cluster.trackerAddresses(), hakit,
                    () -> cluster.awaitReplication(Duration.ofSeconds(120)));
            httpRows(report, cluster, hakit, tmp);
        } finally {
            TempDirs.deleteTree(tmp);
        }
        report.append("\nNotes: the testkit's storages ACK at once like fdfs_storaged (TCP_QUICKACK after every read); ")
                .append("before that fix the stock client, which leaves Nagle on and writes an upload's header and ")
                .append("content separately, waited for a delayed ACK (40 ms) per upload, which made earlier runs of ")
                .append("this table show 177x / 23x for uploads that the real server does not show. Downloads and HTTP ")
                .append("are dominated by the loopback servers; on a loaded machine (see the load average) single runs ")
                .append("vary by tens of percent, compare ratios across runs.\n");
        report.append('\n').append(END).append('\n');
        write(out, START, END, report.toString());
        System.out.println(report);
    }

    private static final String NATIVE_TABLE_HEAD =
            "| operation | hakit ops/s | stock fastdfs-client-java ops/s | hakit / stock |\n|---|---:|---:|---:|\n";

    private static String runLine() {
        return "Run " + Instant.now() + " on " + Runtime.getRuntime().availableProcessors() + " cores, load average "
                + String.format("%.1f", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage());
    }

    /** The native rows against a cluster that is already running (e.g. a real FastDFS built from upstream). */
    private static void externalCluster(Path out, String trackers, String server) throws Exception {
        StringBuilder report = new StringBuilder();
        report.append(REAL_START).append('\n').append("## FastDFS (hakit-fastdfs) against ").append(server)
                .append("\n\n").append(runLine()).append("; server: **").append(server).append("** (trackers ")
                .append(trackers).append(", group1), one calling thread, ").append(ROUNDS)
                .append(" alternating rounds of ").append(ROUND.toSeconds()).append(" s, median ops/s.\n\n")
                .append(NATIVE_TABLE_HEAD);
        try (FastDfsClient hakit = FastDfsClient.builder().trackers(trackers).build()) {
            // a fresh file is offered from its source only (tracker_mem.c), so no waiting is needed for downloads
            nativeRows(report, trackers, hakit, () -> { });
        }
        report.append('\n').append(REAL_END).append('\n');
        write(out, REAL_START, REAL_END, report.toString());
        System.out.println(report);
    }

    private static void nativeRows(StringBuilder report, String trackers, FastDfsClient hakit, Runnable settle)
            throws Exception {
        Properties p = new Properties();
        p.setProperty(ClientGlobal.PROP_KEY_TRACKER_SERVERS, trackers);
        p.setProperty(ClientGlobal.PROP_KEY_CONNECTION_POOL_ENABLED, "true");
        ClientGlobal.initByProperties(p);
        StorageClient1 stock = new StorageClient1(new TrackerClient().getTrackerServer(), null);
        UploadRequest toGroup1 = UploadRequest.builder().group("group1").ext("bin").build();
        for (int size : new int[] {1024, 1024 * 1024}) {
            byte[] data = new byte[size];
            new Random(size).nextBytes(data);
            String label = size == 1024 ? "1 KiB" : "1 MiB";
            List<FileId> created = new ArrayList<>();
            row(report, "upload " + label,
                    () -> created.add(hakit.upload(UploadSource.of(data), toGroup1)),
                    () -> created.add(FileId.parse(stock.upload_file1("group1", data, "bin", null))),
                    () -> cleanUp(hakit, created, settle));
            FileId id = hakit.upload(UploadSource.of(data), toGroup1);
            settle.run();
            String sid = id.toString();
            row(report, "download " + label, () -> hakit.downloadBytes(id), () -> stock.download_file1(sid),
                    () -> { });
            hakit.delete(id);
        }
    }

    private static void httpRows(StringBuilder report, FastDfsTestCluster cluster, FastDfsClient hakit, Path tmp)
            throws Exception {
        if (!NginxServer.available()) {
            report.append("\nHTTP: skipped, nginx is not installed.\n");
            return;
        }
        List<NginxServer> nginxes = new ArrayList<>();
        try {
            List<String> servers = new ArrayList<>();
            for (TestStorage s : cluster.storages("group1")) {
                int port = Ports.freePort(s.host());
                nginxes.add(NginxServer.builder(tmp.resolve("web-" + s.host())).name("web-" + s.host())
                        .server(s.host(), port, "location /group1/M00/ { alias " + s.dataDir() + "/; }").start());
                servers.add(s.host() + ":" + port);
            }
            StringBuilder upstream = new StringBuilder("upstream fdfs_group1 {\n");
            for (String s : servers) {
                upstream.append("        server ").append(s).append(" weight=1 max_fails=2 fail_timeout=30s;\n");
            }
            upstream.append("        keepalive 32;\n    }");
            int proxyPort = Ports.freePort("127.0.0.2");
            nginxes.add(NginxServer.builder(tmp.resolve("proxy")).name("proxy").http(upstream.toString())
                    .server("127.0.0.2", proxyPort, "location /group1/M00/ { proxy_pass http://fdfs_group1; "
                            + "proxy_http_version 1.1; proxy_set_header Connection \"\"; "
                            + "proxy_next_upstream http_502 http_504 error timeout invalid_header; }")
                    .start());
            report.append("\n| HTTP download | hakit direct (FastDfsHttp) ops/s | via Nginx proxy ops/s | direct / proxy |\n")
                    .append("|---|---:|---:|---:|\n");
            OkHttpClient plain = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
            try (FastDfsHttp http = FastDfsHttp.builder().group("group1", servers.toArray(new String[0])).build()) {
                for (int size : new int[] {1024, 1024 * 1024}) {
                    byte[] data = new byte[size];
                    new Random(size + 1).nextBytes(data);
                    FileId id = hakit.upload(UploadSource.of(data), UploadRequest.builder().group("group1").build());
                    cluster.awaitReplication(Duration.ofSeconds(60));
                    String viaProxy = "http://127.0.0.2:" + proxyPort + "/" + id;
                    if (!Arrays.equals(data, http.bytes(id)) || !Arrays.equals(data, get(plain, viaProxy))) {
                        throw new IllegalStateException("HTTP paths disagree on " + id);
                    }
                    String label = size == 1024 ? "1 KiB" : "1 MiB";
                    measure(report, label, () -> http.bytes(id), () -> get(plain, viaProxy), () -> { });
                }
            }
        } finally {
            nginxes.forEach(NginxServer::stop);
        }
    }

    private static byte[] get(OkHttpClient http, String url) throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(url).build()).execute()) {
            if (!r.isSuccessful()) {
                throw new IOException(url + " answered " + r.code());
            }
            return r.body().bytes();
        }
    }

    private static void cleanUp(FastDfsClient hakit, List<FileId> created, Runnable settle) {
        settle.run();
        for (FileId id : created) {
            hakit.delete(id);
        }
        created.clear();
        settle.run();
    }

    private static void row(StringBuilder report, String name, Op hakit, Op stock, Runnable between) throws Exception {
        measure(report, name, hakit, stock, between);
    }

    private static void measure(StringBuilder report, String name, Op first, Op second, Runnable between)
            throws Exception {
        run(first, Duration.ofMillis(500));
        run(second, Duration.ofMillis(500));
        between.run();
        double[] a = new double[ROUNDS];
        double[] b = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            a[i] = run(first, ROUND);
            between.run();
            b[i] = run(second, ROUND);
            between.run();
        }
        Arrays.sort(a);
        Arrays.sort(b);
        double ma = a[ROUNDS / 2];
        double mb = b[ROUNDS / 2];
        report.append(String.format("| %s | %.0f | %.0f | %.2f |%n", name, ma, mb, ma / mb));
        System.out.printf("%s: %.0f vs %.0f ops/s (%.2f)%n", name, ma, mb, ma / mb);
    }

    private static double run(Op op, Duration d) throws Exception {
        long end = System.nanoTime() + d.toNanos();
        long start = System.nanoTime();
        int n = 0;
        while (System.nanoTime() < end) {
            op.run();
            n++;
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static void write(Path out, String start, String end, String section) throws IOException {
        String existing = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "# Benchmarks\n\n";
        int s = existing.indexOf(start);
        int e = existing.indexOf(end);
        String updated = s >= 0 && e > s
                ? existing.substring(0, s) + section.strip() + existing.substring(e + end.length())
                : existing + (existing.endsWith("\n") ? "" : "\n") + "\n" + section;
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, updated, StandardCharsets.UTF_8);
    }

}
