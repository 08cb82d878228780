package io.github.hakit.examples.tour;

import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.fastdfs.FastDfsClient;
import io.github.hakit.fastdfs.FileId;
import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import io.github.hakit.testkit.fastdfs.TestStorage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.csource.fastdfs.ClientGlobal;
import org.csource.fastdfs.StorageClient1;
import org.csource.fastdfs.TrackerClient;

/**
 * FastDFS, the seed layout: 2 trackers, group1 and group2 with 2 storages each (testkit's protocol-faithful
 * servers, in this JVM). A tracker is stopped during uploads (listener and connections closed: what clients see of
 * a {@code kill -9}), then a storage is frozen (accepts, never answers, while the trackers still call it ACTIVE)
 * during downloads. hakit's {@code FastDfsClient} and fastdfs-client-java 1.30 get the same calls, one after the
 * other, call by call.
 */
final class FastDfsScenario implements Scenario {
    static final String STOCK = "fastdfs-client-java";

    @Override
    public String name() {
        return "fastdfs";
    }

    @Override
    public List<Result> run(Tour tour) throws Exception {
        Console c = tour.console;
        c.title("FastDFS: 2 trackers, group1/group2 x 2 storages");
        c.step("starting the testkit FastDFS cluster (in this JVM)");
        FastDfsTestCluster cluster = tour.own(FastDfsTestCluster.builder().trackers(2).group("group1", 2)
                .group("group2", 2).build());
        c.step("trackers " + cluster.trackerAddresses() + ", storages " + String.join(",",
                cluster.storages().stream().map(TestStorage::address).toList()));
        FastDfsClient hakit = tour.own(FastDfsClient.builder().trackers(cluster.trackerAddresses())
                .connectTimeout(Duration.ofSeconds(2)).networkTimeout(Duration.ofSeconds(2))
                .healthCheck(HealthCheckConfig.builder().inter(Duration.ofSeconds(1)).fastInter(Duration.ofMillis(300))
                        .rise(2).fall(2).timeout(Duration.ofSeconds(1)).build())
                .build());
        Properties p = new Properties();
        p.setProperty(ClientGlobal.PROP_KEY_TRACKER_SERVERS, cluster.trackerAddresses());
        // the same timeouts for both clients (fastdfs-client-java counts whole seconds)
        p.setProperty(ClientGlobal.PROP_KEY_CONNECT_TIMEOUT_IN_SECONDS, "2");
        p.setProperty(ClientGlobal.PROP_KEY_NETWORK_TIMEOUT_IN_SECONDS, "2");
        p.setProperty(ClientGlobal.PROP_KEY_CONNECTION_POOL_ENABLED, "false");
        ClientGlobal.initByProperties(p);
        c.step("hakit: FastDfsClient over both trackers (ACTIVE_TEST checks inter 1s fall 2); stock: "
                + "fastdfs-client-java with tracker_server = both trackers; both: connect and network timeouts 2 s");

        List<Result> results = new ArrayList<>();
        results.add(trackerKill(tour, cluster, hakit));
        results.add(frozenStorage(tour, cluster, hakit));
        return results;
    }

    private Result trackerKill(Tour tour, FastDfsTestCluster cluster, FastDfsClient hakit) {
        Console c = tour.console;
        int n = tour.size(120, 60);
        int killAt = n / 4;
        Tally h = new Tally();
        Tally s = new Tally();
        List<String[]> uploaded = new ArrayList<>(); // {hakit id, stock id, content}
        c.step(n + " uploads by each client, alternating; tracker-1 " + cluster.tracker(0).address()
                + " is killed at upload " + killAt);
        Console.Progress bar = c.progress("uploading", n);
        long killedAt = 0;
        for (int i = 0; i < n; i++) {
            if (i == killAt) {
                cluster.tracker(0).stop();
                killedAt = System.nanoTime();
                c.step("kill -9 tracker-1 " + cluster.tracker(0).address() + " (listener and connections closed)");
            }
            byte[] content = ("tour file " + i).getBytes(StandardCharsets.UTF_8);
            String hid = null;
            String sid = null;
            long t = System.nanoTime();
            try {
                hid = hakit.upload(content, "txt").toString();
                h.ok(killedAt, t);
            } catch (RuntimeException e) {
                h.fail(e);
            }
            t = System.nanoTime();
            try {
                // the usual fastdfs-client-java pattern: a tracker from the global group, a client per call
                sid = new StorageClient1(new TrackerClient().getTrackerServer(), null).upload_file1(content, "txt", null);
                if (sid == null) {
                    s.fail(new IllegalStateException("upload_file1 returned null"));
                } else {
                    s.ok(killedAt, t);
                }
            } catch (Exception e) {
                s.fail(e);
            }
            uploaded.add(new String[] {hid, sid, new String(content, StandardCharsets.UTF_8)});
            bar.update(i + 1, "hakit failures " + h.failures + ", stock failures " + s.failures);
        }
        c.step("reading every uploaded file back (a file id handed out but not readable counts as lost)");
        cluster.awaitReplication(Duration.ofSeconds(10));
        long hLost = 0;
        long sLost = 0;
        for (String[] u : uploaded) {
            hLost += u[0] != null && !readable(hakit, u[0], u[2]) ? 1 : 0;
            sLost += u[1] != null && !readable(hakit, u[1], u[2]) ? 1 : 0;
        }
        String status = hakit.trackers().status().render();
        cluster.tracker(0).start();
        c.step("tracker-1 restarted");
        return new Result("fastdfs", "tracker kill -9 during uploads", List.of(
                h.row("hakit FastDfsClient", n, hLost, "next tracker within the call"
                        + (h.firstError == null ? "" : "; " + h.firstError)),
                s.row(STOCK + " 1.30", n, sLost, "blind tracker rotation, no failover"
                        + (s.firstError == null ? "" : "; " + s.firstError))), status);
    }

    private Result frozenStorage(Tour tour, FastDfsTestCluster cluster, FastDfsClient hakit) throws Exception {
        Console c = tour.console;
        int n = tour.size(16, 12);
        c.step("uploading " + n + " files to group1 for the download test");
        List<FileId> ids = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] content = new byte[4096 + i];
            Arrays.fill(content, (byte) i);
            ids.add(hakit.upload(io.github.hakit.fastdfs.UploadSource.of(content),
                    io.github.hakit.fastdfs.UploadRequest.builder().group("group1").ext("bin").build()));
            contents.add(content);
        }
        cluster.awaitReplication(Duration.ofSeconds(10));
        TestStorage frozen = cluster.storage("group1", 0);
        frozen.blackHole();
        long frozenAt = System.nanoTime();
        c.step("froze storage " + frozen.address() + " (accepts connections, never answers; the trackers still "
                + "report it ACTIVE, as a real tracker does for ~200 s)");
        Tally h = new Tally();
        Tally s = new Tally();
        long hSlowest = 0;
        long sSlowest = 0;
        Console.Progress bar = c.progress("downloading", n);
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            try {
                if (Arrays.equals(contents.get(i), hakit.downloadBytes(ids.get(i)))) {
                    h.ok(frozenAt, t);
                } else {
                    h.fail(new IllegalStateException("wrong bytes"));
                }
            } catch (RuntimeException e) {
                h.fail(e);
            }
            hSlowest = Math.max(hSlowest, System.nanoTime() - t);
            t = System.nanoTime();
            try {
                byte[] data = new StorageClient1(new TrackerClient().getTrackerServer(), null)
                        .download_file1(ids.get(i).toString());
                if (Arrays.equals(contents.get(i), data)) {
                    s.ok(frozenAt, t);
                } else {
                    s.fail(new IllegalStateException(data == null ? "download_file1 returned null" : "wrong bytes"));
                }
            } catch (Exception e) {
                s.fail(e);
            }
            sSlowest = Math.max(sSlowest, System.nanoTime() - t);
            bar.update(i + 1, "hakit failures " + h.failures + ", stock failures " + s.failures);
        }
        frozen.resume();
        c.step("storage " + frozen.address() + " thawed");
        String status = hakit.trackers().status().render() + describe(hakit);
        return new Result("fastdfs", "frozen storage during downloads", List.of(
                h.rowBySlowest("hakit FastDfsClient", n, 0L, hSlowest, "replica after one timeout, then avoids it"
                        + (h.firstError == null ? "" : "; " + h.firstError)),
                s.rowBySlowest(STOCK + " 1.30", n, 0L, sSlowest, "waits network_timeout and fails, every time"
                        + (s.firstError == null ? "" : "; " + s.firstError))), status);
    }

    private static String describe(FastDfsClient hakit) {
        try {
            StringBuilder sb = new StringBuilder("tracker's view of the storages: ");
            hakit.clusterView().groups().forEach(g -> g.storages().forEach(st -> sb.append(g.name()).append(' ')
                    .append(st.address()).append(' ').append(st.status()).append("; ")));
            return sb.toString();
        } catch (RuntimeException e) {
            return "cluster view unavailable: " + e.getMessage();
        }
    }

    private static boolean readable(FastDfsClient hakit, String id, String content) {
        try {
            return new String(hakit.downloadBytes(FileId.parse(id)), StandardCharsets.UTF_8).equals(content);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Counts one client's outcomes. */
    static final class Tally {
        int calls;
        int failures;
        int lastFailureAt = -1;
        long firstOkAfterFault = -1;
        String firstError;

        void ok(long faultAt, long callStart) {
            calls++;
            if (faultAt != 0 && firstOkAfterFault < 0 && callStart >= faultAt) {
                firstOkAfterFault = System.nanoTime() - faultAt;
            }
        }

        void fail(Exception e) {
            lastFailureAt = calls++;
            failures++;
            if (firstError == null) {
                String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                firstError = "first error: " + (m.length() > 60 ? m.substring(0, 60) + "..." : m);
            }
        }

        /** "never" when the client still failed in the last quarter of its calls: it did not get past the fault. */
        boolean stillFailing() {
            return lastFailureAt >= 0 && lastFailureAt >= calls * 3 / 4;
        }

        Row row(String client, int calls, Long lost, String note) {
            long failover = stillFailing() || firstOkAfterFault < 0 ? -1L : firstOkAfterFault / 1_000_000;
            return new Row(client, calls, failures, failover, lost, note);
        }

        /** For faults that slow calls down rather than fail them: the slowest call, or "never". */
        Row rowBySlowest(String client, int calls, Long lost, long slowestNanos, String note) {
            return new Row(client, calls, failures, stillFailing() ? -1L : slowestNanos / 1_000_000, lost, note);
        }
    }
}
