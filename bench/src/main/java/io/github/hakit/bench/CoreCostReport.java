package io.github.hakit.bench;

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
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link CoreCostBenchmark} (1 and 8 threads, with Dubbo's balancer and the lock-based SWRR beside hakit at
 * every shape) and {@link FlapHarness}, and writes the "core costs" section of {@code docs/BENCHMARKS.md} with the
 * machine, date, load average and each issue #11 target marked met or not met.
 *
 * <pre>{@code
 * java -cp <bench classpath> io.github.hakit.bench.CoreCostReport docs/BENCHMARKS.md [quick]
 * }</pre>
 */
public final class CoreCostReport {
    static final String BEGIN = "<!-- hakit:core-costs:begin -->";
    static final String END = "<!-- hakit:core-costs:end -->";
    static final String[] SHAPES = {"1000x1", "1000x100", "1001x100", "10000x1"};

    private CoreCostReport() {
    }

    record Row(String method, String shape, int threads, double ns, double error, double bytes) {
    }

    public static void main(String[] args) throws IOException, RunnerException, InterruptedException {
        List<String> a = Arrays.stream(args).map(String::trim).filter(s -> !s.isEmpty()).toList();
        boolean quick = a.contains("quick");
        Path file = Path.of(a.stream().filter(s -> !s.equals("quick")).findFirst().orElse("docs/BENCHMARKS.md"));
        String loadStart = BenchReport.firstLine("/proc/loadavg");
        TimeValue time = quick ? TimeValue.milliseconds(200) : TimeValue.seconds(1);
        int warmups = quick ? 1 : 2;
        int iterations = quick ? 1 : 3;
        List<Row> rows = new ArrayList<>();
        for (int threads : new int[] {1, 8}) {
            String methods = threads == 1 ? ".*" : "(steadyPick|pickWhileOneIsOut|leastConnPick|p2cPick|lockBased)";
            OptionsBuilder o = new OptionsBuilder();
            o.include("^" + Pattern.quote(CoreCostBenchmark.class.getName()) + "\\." + methods + "$")
                    .threads(threads).forks(1).warmupIterations(warmups).warmupTime(time)
                    .measurementIterations(iterations).measurementTime(time)
                    .jvmArgs("-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
                    .addProfiler(GCProfiler.class).shouldFailOnError(true);
            if (threads == 8) {
                o.param("shape", "1000x100", "10000x1");
            }
            Collection<RunResult> results = new Runner(o.build()).run();
            for (RunResult r : results) {
                String b = r.getParams().getBenchmark();
                Result<?> p = r.getPrimaryResult();
                Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
                rows.add(new Row(b.substring(b.lastIndexOf('.') + 1), r.getParams().getParam("shape"), threads,
                        p.getScore(), p.getScoreError(), alloc == null ? Double.NaN : alloc.getScore()));
            }
        }
        String loadCpu = BenchReport.firstLine("/proc/loadavg");
        java.util.Map<String, java.util.Map<String, Double>> cpu = new java.util.LinkedHashMap<>();
        for (String shape : SHAPES) {
            cpu.put(shape, CpuCostHarness.measure(shape));
        }
        String loadFlap = BenchReport.firstLine("/proc/loadavg");
        List<String> flap = FlapHarness.run(quick ? 2 : 10, "1000x100", "10000x1");
        String loadEnd = BenchReport.firstLine("/proc/loadavg");
        String section = render(rows, cpu, flap, loadStart, loadCpu, loadFlap, loadEnd, warmups, iterations, time,
                quick);
        BenchReport.update(file, section, BEGIN, END);
        System.out.println(section);
    }

    static String render(List<Row> rows, java.util.Map<String, java.util.Map<String, Double>> cpu, List<String> flap,
            String loadStart, String loadCpu, String loadFlap, String loadEnd, int warmups, int iterations,
            TimeValue time, boolean quick) {
        StringBuilder sb = new StringBuilder(BEGIN).append("\n");
        sb.append("## core costs (issue #11, section 3)\n\n");
        sb.append("Written by `io.github.hakit.bench.CoreCostReport`")
                .append(quick ? " **(quick mode: not meaningful)**" : "").append(".\n\n");
        sb.append("- Date: ").append(ZonedDateTime.now(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))).append("; ")
                .append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
                .append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(", `-Xmx1g`\n");
        sb.append("- Load average (1/5/15 min) at start: ").append(loadStart).append("; before the flap run: ")
                .append(loadFlap).append("; at the end: ").append(loadEnd)
                .append(" (the machine is shared with other engineers' builds: figures scale with it)\n");
        sb.append("- JMH 1.37, average time, 1 fork, ").append(warmups).append(" × ").append(time)
                .append(" warm-up, ").append(iterations).append(" × ").append(time)
                .append(" measurement, `-prof gc`. Every op includes giving the slot back (`release`). "
                        + "`pickWhileOneIsOut`: one endpoint failed (max_fails=1, fail_timeout=10 s), so picks run "
                        + "Nginx's exact algorithm instead of the schedule. `setWeight`: one runtime weight change "
                        + "(schedule rebuild). Dubbo 3.3.6 `RoundRobinLoadBalance.select()` and the lock-based "
                        + "Nginx SWRR over the same weights.\n\n");
        sb.append("| shape | threads | steady pick | pick while one is out | execute() | setWeight | least_conn | "
                + "P2C | Dubbo RR | lock-based SWRR |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        String[] methods = {"steadyPick", "pickWhileOneIsOut", "execute", "setWeight", "leastConnPick", "p2cPick",
            "dubbo", "lockBased"};
        for (int threads : new int[] {1, 8}) {
            for (String shape : SHAPES) {
                if (rows.stream().noneMatch(r -> r.shape().equals(shape) && r.threads() == threads)) {
                    continue;
                }
                sb.append("| ").append(shape).append(" | ").append(threads);
                for (String m : methods) {
                    Row r = find(rows, m, shape, threads);
                    sb.append(" | ").append(r == null ? "–" : cell(r));
                }
                sb.append(" |\n");
            }
        }
        sb.append("\nns/op (B/op). With 8 threads on 2 CPUs, ns/op is one thread's wait per operation, time-slicing "
                + "included.\n\n");
        sb.append("The same operations in **CPU time** of the measuring thread (`CpuCostHarness`, best of 7 rounds, "
                + "load average at its start ").append(loadCpu).append("): unlike wall-clock ns/op, CPU time does "
                + "not grow with the other processes' load, only with cache pollution.\n\n");
        sb.append(CpuCostHarness.table(cpu)).append("\n");
        sb.append("Picks while endpoint `e0` flaps DOWN/UP every 100 ms (`FlapHarness`, one picking thread, every "
                + "pick timed, 10 s):\n\n");
        for (String f : flap) {
            sb.append("- ").append(f).append("\n");
        }
        sb.append("\nTargets:\n\n");
        Row s1 = find(rows, "steadyPick", "1000x100", 1);
        Row s2 = find(rows, "steadyPick", "1001x100", 1);
        if (s1 != null && s2 != null) {
            sb.append(verdict("no cliff at 1,001 × 100 (was 2,966 ns vs 15 ns)", s2.ns() <= 2 * s1.ns(),
                    fmt(s2.ns()) + " ns vs " + fmt(s1.ns()) + " ns at 1,000 × 100"));
        }
        java.util.Map<String, Double> c = cpu.get("1000x1");
        Row out = find(rows, "pickWhileOneIsOut", "1000x1", 1);
        if (out != null && c != null) {
            sb.append(verdict("pick right after a failure at 1,000 endpoints ≤ 200 ns (was 3,073 ns)",
                    c.get("pickWhileOneIsOut") <= 200, fmt(c.get("pickWhileOneIsOut")) + " ns CPU ("
                            + fmt(out.ns()) + " ns wall under the load above)"));
        }
        for (String m : new String[] {"leastConnPick", "p2cPick"}) {
            Row r = find(rows, m, "1000x1", 1);
            if (r != null && c != null) {
                sb.append(verdict(m + " lock-free ≤ 100 ns, 0 B/op at 1,000 endpoints",
                        c.get(m) <= 100 && !(r.bytes() >= 0.5), fmt(c.get(m)) + " ns CPU, " + cell(r) + " wall"));
            }
        }
        Row ex = find(rows, "execute", "1000x1", 1);
        if (ex != null && c != null) {
            double overhead = c.get("execute") - c.get("steadyPick");
            sb.append(verdict("execute() overhead over pick()+release() ≤ 50 ns", overhead <= 50,
                    fmt(overhead) + " ns CPU (" + fmt(c.get("execute")) + " vs " + fmt(c.get("steadyPick"))
                            + "; " + cell(ex) + " wall)"));
        }
        sb.append(END).append("\n");
        return sb.toString();
    }

    private static String verdict(String target, boolean met, String measured) {
        return "- " + target + ": " + measured + " — **" + (met ? "met" : "NOT met") + "**\n";
    }

    private static Row find(List<Row> rows, String method, String shape, int threads) {
        for (Row r : rows) {
            if (r.method().equals(method) && r.shape().equals(shape) && r.threads() == threads) {
                return r;
            }
        }
        return null;
    }

    private static String cell(Row r) {
        String bytes = Double.isNaN(r.bytes()) ? "n/a" : r.bytes() < 0.5 ? "0" : String.format(Locale.ROOT, "%.0f",
                r.bytes());
        return fmt(r.ns()) + " (" + bytes + ")";
    }

    private static String fmt(double ns) {
        return ns >= 100 ? String.format(Locale.ROOT, "%,.0f", ns) : String.format(Locale.ROOT, "%.1f", ns);
    }

    static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
