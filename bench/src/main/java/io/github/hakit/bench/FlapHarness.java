package io.github.hakit.bench;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.Peer;
import io.github.hakit.core.Upstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Pick latency while one endpoint flaps (issue #11, section 3): one thread picks and releases as fast as it can,
 * timing every pick; another takes endpoint {@code e0} DOWN and back UP every 100 ms ({@code set server health}),
 * so every 100 ms the routing view is republished and the round-robin schedule rebuilt. Prints p50, p99, p99.9
 * and max per shape. Not JMH: tail latency needs every sample.
 *
 * <pre>{@code
 * java -cp <bench classpath> io.github.hakit.bench.FlapHarness 10 1000x100 10000x1
 * }</pre>
 */
public final class FlapHarness {
    private FlapHarness() {
    }

    /** Runs each shape for {@code seconds} and returns one line per shape. */
    public static List<String> run(int seconds, String... shapes) throws InterruptedException {
        List<String> lines = new ArrayList<>();
        for (String shape : shapes) {
            lines.add(shape + ": " + runShape(shape, seconds));
        }
        return lines;
    }

    public static void main(String[] args) throws InterruptedException {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        String[] shapes = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length)
                : new String[] {"1000x100", "10000x1"};
        for (String line : run(seconds, shapes)) {
            System.out.println(line);
        }
    }

    private static String runShape(String shape, int seconds) throws InterruptedException {
        String[] p = shape.split("x");
        int n = Integer.parseInt(p[0]);
        int w = Integer.parseInt(p[1]);
        List<Endpoint> eps = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            eps.add(Endpoint.builder("10." + (i / 62_500) + "." + (i / 250 % 250) + "." + (i % 250 + 1),
                    PickBenchmark.PORT).name("e" + i).weight(w).build());
        }
        try (Upstream u = Upstream.builder("flap").endpoints(eps).logging(false).build()) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread flapper = new Thread(() -> {
                boolean down = false;
                while (!stop.get()) {
                    down = !down;
                    u.setHealth("e0", down ? Upstream.HealthCommand.DOWN : Upstream.HealthCommand.UP);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "flapper");
            // warm up
            for (int i = 0; i < 2_000_000; i++) {
                u.release(u.pick());
            }
            long[] buckets = new long[64 * 16];
            long count = 0;
            long max = 0;
            flapper.start();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() - end < 0) {
                for (int i = 0; i < 1000; i++) {
                    long t0 = System.nanoTime();
                    Peer peer = u.pick();
                    long t = System.nanoTime() - t0;
                    u.release(peer);
                    buckets[bucket(t)]++;
                    count++;
                    max = Math.max(max, t);
                }
            }
            stop.set(true);
            flapper.interrupt();
            flapper.join();
            return String.format(Locale.ROOT, "%d picks, p50 %s, p99 %s, p99.9 %s, max %s", count,
                    ns(quantile(buckets, count, 0.50)), ns(quantile(buckets, count, 0.99)),
                    ns(quantile(buckets, count, 0.999)), ns(max));
        }
    }

    /** Log-linear buckets: 16 per power of two. */
    private static int bucket(long ns) {
        long v = Math.max(1, ns);
        int exp = 63 - Long.numberOfLeadingZeros(v);
        int sub = exp >= 4 ? (int) ((v >>> (exp - 4)) & 15) : (int) (v & 15);
        return Math.min(64 * 16 - 1, exp * 16 + sub);
    }

    private static long upper(int bucket) {
        int exp = bucket / 16;
        int sub = bucket % 16;
        return exp >= 4 ? ((16L + sub + 1) << (exp - 4)) : sub + 1;
    }

    private static long quantile(long[] buckets, long count, double q) {
        long target = (long) Math.ceil(count * q);
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            seen += buckets[i];
            if (seen >= target) {
                return upper(i);
            }
        }
        return upper(buckets.length - 1);
    }

    private static String ns(long ns) {
        return ns >= 1_000_000 ? String.format(Locale.ROOT, "%.1f ms", ns / 1e6)
                : ns >= 1_000 ? String.format(Locale.ROOT, "%.1f µs", ns / 1e3) : ns + " ns";
    }
}
