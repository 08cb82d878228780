package io.github.hakit.bench;

import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.Peer;
import io.github.hakit.core.Upstream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link PickBenchmark} at 1 and 8 threads with JMH's GC profiler and writes the results, with the machine
 * and the date, into a marked section of {@code docs/BENCHMARKS.md} (other sections of the file are kept).
 * Before measuring it checks that hakit's round robin and the lock-based baseline pick the same sequence, so the
 * comparison is between two implementations of one algorithm.
 *
 * <pre>{@code
 * mvn -B -ntp -Pbench -pl bench -am -DskipTests verify          # the README's command
 * java -cp <bench classpath> io.github.hakit.bench.BenchReport docs/BENCHMARKS.md [quick]
 * }</pre>
 * The full run takes about three minutes; {@code quick} (one short iteration each) only proves the plumbing.
 */
public final class BenchReport {
    static final String BEGIN = "<!-- hakit:pick-benchmark:begin -->";
    static final String END = "<!-- hakit:pick-benchmark:end -->";
    private static final int[] THREADS = {1, 8};
    private static final String[] IMPLEMENTATIONS = {"hakit", "dubbo", "lockBased"};

    private BenchReport() {
    }

    /** {@code args}: the Markdown file to update (default {@code docs/BENCHMARKS.md}), optional {@code quick}. */
    public static void main(String[] args) throws IOException, RunnerException {
        List<String> a = Arrays.stream(args).map(String::trim).filter(s -> !s.isEmpty()).toList();
        boolean quick = a.contains("--quick") || a.contains("quick");
        Path file = Path.of(a.stream().filter(s -> !s.equals("quick") && !s.startsWith("--")).findFirst()
                .orElse("docs/BENCHMARKS.md"));
        String crossCheck = crossCheck(1000, 20);
        int warmups = quick ? 1 : 3;
        int iterations = quick ? 1 : 5;
        TimeValue time = quick ? TimeValue.milliseconds(200) : TimeValue.seconds(1);
        String load = firstLine("/proc/loadavg");
        List<Row> rows = new ArrayList<>();
        for (int threads : THREADS) {
            ChainedOptionsBuilder o = new OptionsBuilder()
                    .include("^" + Pattern.quote(PickBenchmark.class.getName()) + "\\.")
                    .threads(threads).forks(1)
                    .warmupIterations(warmups).warmupTime(time)
                    .measurementIterations(iterations).measurementTime(time)
                    .jvmArgs("-Xms512m", "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
                    .addProfiler(GCProfiler.class)
                    .shouldFailOnError(true);
            Collection<RunResult> results = new Runner(o.build()).run();
            for (RunResult r : results) {
                rows.add(Row.of(r));
            }
        }
        String section = render(rows, crossCheck, load, warmups, iterations, time, quick);
        update(file, section);
        System.out.println(section);
        System.out.println("written to " + file.toAbsolutePath());
    }

    /**
     * Both hakit and the baseline implement Nginx's smooth weighted round robin, so from the same start their
     * picks must match one for one; {@code rounds} full cycles over {@code endpoints} mixed-weight endpoints.
     */
    static String crossCheck(int endpoints, int rounds) {
        int[] w = PickBenchmark.weights(endpoints);
        List<Endpoint> list = new ArrayList<>();
        Map<String, Integer> index = new HashMap<>();
        int total = 0;
        for (int i = 0; i < endpoints; i++) {
            Endpoint e = Endpoint.builder(PickBenchmark.host(i), PickBenchmark.PORT).weight(w[i]).build();
            list.add(e);
            index.put(e.name(), i);
            total += w[i];
        }
        LockedSmoothWeightedRoundRobin locked = new LockedSmoothWeightedRoundRobin(w);
        try (Upstream u = Upstream.builder("check").endpoints(list).balancer(Balancer.ROUND_ROBIN).logging(false)
                .build()) {
            long picks = (long) total * rounds;
            for (long n = 0; n < picks; n++) {
                Peer p = u.pick();
                u.release(p);
                int expected = locked.pick();
                locked.release(expected);
                int got = index.get(p.endpoint().name());
                if (got != expected) {
                    return "MISMATCH at pick " + n + ": hakit chose endpoint " + got + ", Nginx SWRR " + expected;
                }
            }
            return "hakit and the lock-based Nginx SWRR chose the same endpoint for all " + picks + " picks ("
                    + rounds + " cycles over " + endpoints + " endpoints, total weight " + total + ")";
        }
    }

    /** One benchmark result. */
    record Row(String implementation, int endpoints, int threads, double nsPerOp, double error, double bytesPerOp) {
        static Row of(RunResult r) {
            String benchmark = r.getParams().getBenchmark();
            String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            Result<?> primary = r.getPrimaryResult();
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            return new Row(method, Integer.parseInt(r.getParams().getParam("endpoints")), r.getParams().getThreads(),
                    primary.getScore(), primary.getScoreError(), alloc == null ? Double.NaN : alloc.getScore());
        }
    }

    static String render(List<Row> rows, String crossCheck, String load, int warmups, int iterations, TimeValue time,
            boolean quick) {
        StringBuilder sb = new StringBuilder();
        sb.append(BEGIN).append("\n");
        sb.append("## Endpoint selection: `Upstream.pick()` vs Dubbo `RoundRobinLoadBalance` vs a lock-based SWRR\n\n");
        sb.append("Written by `io.github.hakit.bench.BenchReport` (`mvn -B -ntp -Pbench -pl bench -am -DskipTests verify`).")
                .append(quick ? " **Quick mode: one short iteration per benchmark, numbers are not meaningful.**" : "")
                .append("\n\n");
        sb.append("- Date: ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern(
                "yyyy-MM-dd HH:mm 'UTC'"))).append("\n");
        sb.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ")
                .append(cpuModel()).append(", ").append(System.getProperty("os.name")).append(' ')
                .append(System.getProperty("os.version")).append("; load average at start: ").append(load)
                .append(" (the machine is shared with other builds)\n");
        sb.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(", `-Xms512m -Xmx512m`, default GC\n");
        sb.append("- JMH 1.37, mode average time, 1 fork, ").append(warmups).append(" × ").append(time)
                .append(" warm-up, ").append(iterations).append(" × ").append(time)
                .append(" measurement, `-prof gc` (B/op = `gc.alloc.rate.norm`)\n");
        sb.append("- Endpoints with mixed weights 1..10 (`1 + 37·i mod 10`), state shared by all threads. "
                + "hakit: `pick()` + `release(peer)`, round robin; Dubbo 3.3.6: `RoundRobinLoadBalance.select()`; "
                + "lock-based: Nginx's `ngx_http_upstream_get_peer` loop under `synchronized`, pick + release. "
                + "With 8 threads on this machine's CPUs, ns/op is the time one thread waits per operation, "
                + "including time-slicing.\n");
        sb.append("- Cross-check: ").append(crossCheck).append("\n\n");
        sb.append("| endpoints | threads | hakit ns/op | hakit B/op | Dubbo ns/op | Dubbo B/op | lock-based ns/op | "
                + "lock-based B/op | Dubbo ÷ hakit | lock-based ÷ hakit |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<String> verdicts = new ArrayList<>();
        for (int threads : THREADS) {
            for (int endpoints : new int[] {3, 100, 1000}) {
                Row[] r = new Row[IMPLEMENTATIONS.length];
                for (int i = 0; i < IMPLEMENTATIONS.length; i++) {
                    r[i] = find(rows, IMPLEMENTATIONS[i], endpoints, threads);
                }
                if (r[0] == null && r[1] == null && r[2] == null) {
                    continue;
                }
                sb.append("| ").append(endpoints).append(" | ").append(threads);
                for (Row x : r) {
                    sb.append(" | ").append(x == null ? "–" : ns(x)).append(" | ")
                            .append(x == null ? "–" : bytes(x.bytesPerOp()));
                }
                sb.append(" | ").append(ratio(r[1], r[0])).append(" | ").append(ratio(r[2], r[0])).append(" |\n");
                if (endpoints == 1000 && r[0] != null) {
                    verdicts.add(verdict(r[0], r[1], threads));
                }
            }
        }
        sb.append("\nTargets (issue #2): ≤ 100 ns/op and 0 B/op at 1,000 endpoints, ≥ 5× faster than Dubbo's balancer.\n\n");
        for (String v : verdicts) {
            sb.append("- ").append(v).append("\n");
        }
        sb.append(END).append("\n");
        return sb.toString();
    }

    private static String verdict(Row hakit, Row dubbo, int threads) {
        boolean fast = hakit.nsPerOp() <= 100;
        boolean noAlloc = !(hakit.bytesPerOp() >= 0.5);
        String vsDubbo = dubbo == null ? "Dubbo not measured"
                : String.format(Locale.ROOT, "%.1f× faster than Dubbo (%s)", dubbo.nsPerOp() / hakit.nsPerOp(),
                        dubbo.nsPerOp() / hakit.nsPerOp() >= 5 ? "met" : "NOT met");
        String perThread = threads == 1 ? "" : String.format(Locale.ROOT,
                " per thread; all %d threads together completed one pick every %.1f ns on %d CPUs", threads,
                hakit.nsPerOp() / threads, Runtime.getRuntime().availableProcessors());
        return String.format(Locale.ROOT, "1,000 endpoints, %d thread%s: %.1f ns/op (≤ 100: %s)%s; %s B/op (%s); %s",
                threads, threads == 1 ? "" : "s", hakit.nsPerOp(), fast ? "met" : "NOT met", perThread,
                bytes(hakit.bytesPerOp()), noAlloc ? "met" : "NOT met", vsDubbo);
    }

    private static Row find(List<Row> rows, String implementation, int endpoints, int threads) {
        for (Row r : rows) {
            if (r.implementation().equals(implementation) && r.endpoints() == endpoints && r.threads() == threads) {
                return r;
            }
        }
        return null;
    }

    private static String ns(Row r) {
        return Double.isNaN(r.error())
                ? String.format(Locale.ROOT, "%.1f", r.nsPerOp())
                : String.format(Locale.ROOT, "%.1f ± %.1f", r.nsPerOp(), r.error());
    }

    private static String bytes(double b) {
        if (Double.isNaN(b)) {
            return "n/a";
        }
        return b < 0.5 ? "0" : String.format(Locale.ROOT, "%.0f", b);
    }

    private static String ratio(Row slower, Row hakit) {
        if (slower == null || hakit == null) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.1f×", slower.nsPerOp() / hakit.nsPerOp());
    }

    static void update(Path file, String section) throws IOException {
        update(file, section, BEGIN, END);
    }

    /** Replaces the section between {@code beginMarker} and {@code endMarker} (or appends it). */
    static void update(Path file, String section, String beginMarker, String endMarker) throws IOException {
        String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "# hakit benchmarks\n\n";
        int begin = text.indexOf(beginMarker);
        int end = text.indexOf(endMarker);
        String updated;
        if (begin >= 0 && end > begin) {
            updated = text.substring(0, begin) + section
                    + text.substring(end + endMarker.length()).replaceFirst("^\\n", "");
        } else {
            updated = text + (text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n") + section;
        }
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, updated, StandardCharsets.UTF_8);
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "CPU model unknown (" + e.getMessage() + ")";
        }
        return "CPU model unknown";
    }

    static String firstLine(String path) {
        try {
            List<String> lines = Files.readAllLines(Path.of(path));
            return lines.isEmpty() ? "unknown" : lines.get(0).trim();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
