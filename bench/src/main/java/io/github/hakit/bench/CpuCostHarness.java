package io.github.hakit.bench;

import io.github.hakit.core.CallOptions;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.Peer;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.balance.Balancer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The same operations as {@link CoreCostBenchmark}, single-threaded, timed in <em>CPU time of the measuring
 * thread</em> ({@link ThreadMXBean#getCurrentThreadCpuTime()}) rather than wall time: on a machine shared with other
 * builds (load averages of 20 and more on 2 CPUs) wall-clock JMH figures grow with the load, while the CPU time an
 * operation consumes does not (apart from cache pollution). Each figure is the best of 7 rounds after a warm-up.
 *
 * <pre>{@code
 * java -cp <bench classpath> io.github.hakit.bench.CpuCostHarness 1000x1 1000x100 1001x100 10000x1
 * }</pre>
 */
public final class CpuCostHarness {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static volatile Object sink;

    private CpuCostHarness() {
    }

    public static void main(String[] args) {
        String[] shapes = args.length > 0 ? args : CoreCostReport.SHAPES;
        for (String shape : shapes) {
            System.out.println(shape + " " + measure(shape));
        }
    }

    /** ns of CPU per operation for each operation at {@code shape}. */
    public static Map<String, Double> measure(String shape) {
        String[] p = shape.split("x");
        int n = Integer.parseInt(p[0]);
        int w = Integer.parseInt(p[1]);
        List<Endpoint> eps = new ArrayList<>(n);
        int[] weights = new int[n];
        for (int i = 0; i < n; i++) {
            eps.add(Endpoint.builder("10." + (i / 62_500) + "." + (i / 250 % 250) + "." + (i % 250 + 1),
                    PickBenchmark.PORT).name("e" + i).weight(w).build());
            weights[i] = w;
        }
        Map<String, Double> out = new LinkedHashMap<>();
        try (Upstream rr = Upstream.builder("rr").endpoints(eps).logging(false).build();
             Upstream oneOut = Upstream.builder("out").endpoints(eps).logging(false).build();
             Upstream lc = Upstream.builder("lc").endpoints(eps).balancer(Balancer.LEAST_CONN).logging(false).build();
             Upstream p2c = Upstream.builder("p2c").endpoints(eps).balancer(Balancer.P2C_PEAK_EWMA).logging(false)
                     .build()) {
            oneOut.recordFailure("e0", FailureKind.ERROR, 1_000);
            LockedSmoothWeightedRoundRobin locked = new LockedSmoothWeightedRoundRobin(weights);
            int ops = n >= 10_000 ? 20_000 : 200_000;
            out.put("steadyPick", cpu(ops, () -> {
                Peer x = rr.pick();
                rr.release(x);
                return x.hashCode();
            }));
            out.put("pickWhileOneIsOut", cpu(ops, () -> {
                Peer x = oneOut.pick();
                oneOut.release(x);
                return x.hashCode();
            }));
            out.put("execute", cpu(ops, () -> rr.execute(CallOptions.idempotent(), a -> a).number()));
            out.put("leastConnPick", cpu(Math.max(2_000, ops / 50), () -> {
                Peer x = lc.pick();
                lc.release(x);
                return x.hashCode();
            }));
            out.put("p2cPick", cpu(ops, () -> {
                Peer x = p2c.pick();
                p2c.release(x);
                return x.hashCode();
            }));
            out.put("lockBased", cpu(Math.max(2_000, ops / 50), () -> {
                int i = locked.pick();
                locked.release(i);
                return i;
            }));
        }
        return out;
    }

    private static double cpu(int ops, LongSupplier op) {
        long acc = 0;
        for (int i = 0; i < ops; i++) {
            acc += op.getAsLong(); // warm-up
        }
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 7; round++) {
            long t0 = CPU.getCurrentThreadCpuTime();
            for (int i = 0; i < ops; i++) {
                acc += op.getAsLong();
            }
            best = Math.min(best, (CPU.getCurrentThreadCpuTime() - t0) / (double) ops);
        }
        sink = acc;
        return best;
    }

    /** One Markdown table row per shape. */
    static String table(Map<String, Map<String, Double>> byShape) {
        StringBuilder sb = new StringBuilder("| shape | steady pick | pick while one is out | execute() | least_conn | "
                + "P2C | lock-based SWRR |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<String, Map<String, Double>> e : byShape.entrySet()) {
            Map<String, Double> m = e.getValue();
            sb.append("| ").append(e.getKey());
            for (String k : List.of("steadyPick", "pickWhileOneIsOut", "execute", "leastConnPick", "p2cPick",
                    "lockBased")) {
                Double v = m.get(k);
                sb.append(" | ").append(v == null ? "–" : v >= 100 ? String.format(Locale.ROOT, "%,.0f", v)
                        : String.format(Locale.ROOT, "%.1f", v));
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }
}
