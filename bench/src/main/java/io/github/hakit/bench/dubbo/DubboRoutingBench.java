package io.github.hakit.bench.dubbo;

import io.github.hakit.testkit.TempDirs;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import io.github.hakit.dubbo.ConsumerOptions;
import io.github.hakit.dubbo.HakitDubbo;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.ManagedProcess;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.zookeeper.ZooKeeperTestServer;
import org.apache.dubbo.common.utils.NetUtils;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.Filter;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.cluster.ClusterInvoker;
import org.apache.dubbo.rpc.model.FrameworkModel;

/**
 * End-to-end Dubbo benchmark, hakit's {@code hakit} cluster against plain Dubbo (failover cluster,
 * random load balance), in one run, on loopback only:
 * <ol>
 *   <li>per-call latency and calls/s, one thread and four threads, rounds alternating between the two
 *       consumers so drift hits both alike;</li>
 *   <li>a provider killed with {@code kill -9}, and a provider hung with SIGSTOP: failed calls, attempts
 *       still sent to it, when the last one was sent, the slowest call.</li>
 * </ol>
 * Six providers run in their own JVMs ({@link BenchProvider}); the consumers run here. Each failure
 * scenario takes a fresh victim (p1..p4), so a consumer always has healthy providers left. Run it with
 * {@code mvn -B -ntp -pl bench -am verify -Pdubbo-bench} (bench/pom.xml passes the loopback-only
 * flags); results go to stdout and {@code bench/target/dubbo-bench.md}.
 */
public final class DubboRoutingBench {
    private static final int PROVIDERS = 6;
    private static final int CALLS_PER_ROUND = 5_000;
    private static final int ROUNDS = 5;
    private static final Duration MT_ROUND = Duration.ofSeconds(2);
    private static final int THREADS = 4;
    private static final int CALL_TIMEOUT_MS = 1_000;

    /**
     * With every NIC ignored Dubbo's {@code NetUtils.getLocalHost()} caches nothing and logs two stack traces
     * per call that asks (measured: 1 GB of provider logs per run); this silences that logger.
     */
    private static final String QUIET_NET_UTILS = "-Dorg.slf4j.simpleLogger.log.org.apache.dubbo.common.utils.NetUtils=error";

    private final List<String> report = new ArrayList<>();
    private final Map<String, AtomicLong> errors = new HashMap<>();

    private DubboRoutingBench() {
    }

    public static void main(String[] args) throws Exception {
        String hosts = System.getProperty("jdk.net.hosts.file");
        if (hosts == null || !".*".equals(System.getProperty("dubbo.network.interface.ignored"))) {
            throw new IllegalStateException("run with -Djdk.net.hosts.file=<bench hosts> "
                    + "-Ddubbo.network.interface.ignored=.* (see bench/pom.xml, profile dubbo-bench)");
        }
        if (!InetAddress.getByName(NetUtils.getLocalHost()).isLoopbackAddress()) {
            throw new IllegalStateException("Dubbo detected a non-loopback local address: " + NetUtils.getLocalHost());
        }
        new DubboRoutingBench().run(hosts, args.length > 0 ? Path.of(args[0]) : Path.of("target", "dubbo-bench.md"));
    }

    private void run(String hostsFile, Path out) throws Exception {
        Path work = Files.createTempDirectory("hakit-dubbo-bench-");
        List<Provider> providers = new ArrayList<>();
        List<Consumer> consumers = new ArrayList<>();
        try (ZooKeeperTestServer zk = ZooKeeperTestServer.start()) {
            String registry = "zookeeper://" + zk.connectString();
            for (int i = 1; i <= PROVIDERS; i++) {
                String host = "bench-host" + (i <= 2 ? i : 2);
                int port = Ports.freePort(host);
                providers.add(new Provider(host + ":" + port, ManagedProcess.startJava("p" + i,
                        System.getProperty("java.class.path"),
                        List.of("-Xms64m", "-Xmx192m", "-Djdk.net.hosts.file=" + hostsFile,
                                "-Ddubbo.network.interface.ignored=.*", "-Djava.net.preferIPv4Stack=true",
                                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", QUIET_NET_UTILS),
                        BenchProvider.class.getName(), List.of(registry, host, String.valueOf(port), "p" + i),
                        work, work.resolve("p" + i + ".log"))));
            }
            Consumer plain = new Consumer("plain", registry, false);
            Consumer hakit = new Consumer("hakit", registry, true);
            consumers.add(plain);
            consumers.add(hakit);
            for (Consumer c : consumers) {
                Await.until(Duration.ofSeconds(60), () -> c.providerCount() == PROVIDERS,
                        () -> c.name + " to see " + PROVIDERS + " providers (has " + c.providerCount() + ")");
            }
            report.add("# Dubbo: hakit cluster vs plain Dubbo (same run)");
            report.add("");
            report.add("Loopback, " + PROVIDERS + " provider JVMs, consumers in one JVM, "
                    + Runtime.getRuntime().availableProcessors() + " CPUs, Dubbo 3.3.6. Plain = failover cluster,"
                    + " random load balance; hakit = `hakit` cluster (SWRR, max_fails=1 fail_timeout=10s)."
                    + " Call timeout " + CALL_TIMEOUT_MS + " ms. System load average at start: " + load() + ".");
            latency(plain, hakit);
            throughput(plain, hakit);
            failure("kill -9", plain, providers.get(0), false);
            failure("kill -9", hakit, providers.get(1), false);
            failure("SIGSTOP (hung)", plain, providers.get(2), true);
            providers.get(2).process().kill(); // one hung provider at a time
            failure("SIGSTOP (hung)", hakit, providers.get(3), true);
        } finally {
            for (Consumer c : consumers) {
                c.close();
            }
            for (Provider p : providers) {
                p.process().kill(); // SIGKILL also ends a stopped (frozen) process
            }
        }
        report.add("");
        report.add("System load average at end: " + load() + ".");
        TempDirs.deleteTree(work);
        String text = String.join("\n", report) + "\n";
        System.out.print(text); // the benchmark's output (a main program, not library code)
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, text);
    }

    /** A provider JVM and the address it registered. */
    private record Provider(String address, ManagedProcess process) {
    }

    /** A consumer of {@link Echo} in its own Dubbo instance. */
    private static final class Consumer implements AutoCloseable {
        final String name;
        final FrameworkModel framework = new FrameworkModel();
        final DubboBootstrap bootstrap = DubboBootstrap.newInstance(framework);
        final ReferenceConfig<Echo> reference = new ReferenceConfig<>();
        final Echo echo;

        Consumer(String name, String registryAddress, boolean hakit) {
            this.name = name;
            ApplicationConfig application = new ApplicationConfig("bench-" + name);
            application.setQosEnable(false);
            application.setMetadataType("local");
            RegistryConfig registry = new RegistryConfig(registryAddress);
            registry.setUseAsConfigCenter(false);
            registry.setUseAsMetadataCenter(false);
            registry.setParameters(new HashMap<>(Map.of("file-cache", "false")));
            reference.setInterface(Echo.class);
            reference.setCheck(false);
            reference.setTimeout(CALL_TIMEOUT_MS);
            reference.setParameters(new HashMap<>(Map.of("migration.step", "FORCE_INTERFACE")));
            if (hakit) {
                reference.setCluster(HakitDubbo.CLUSTER);
                HakitDubbo.installConsumer(bootstrap.getApplicationModel(), ConsumerOptions.builder().build());
            }
            bootstrap.application(application).registry(registry).reference(reference).start();
            echo = reference.get();
        }

        int providerCount() {
            Invoker<?> invoker = reference.getInvoker();
            return invoker instanceof ClusterInvoker<?> c && c.getDirectory() != null
                    ? c.getDirectory().getAllInvokers().size() : 0;
        }

        AttemptRecorder recorder() {
            return (AttemptRecorder) bootstrap.getApplicationModel().getDefaultModule()
                    .getExtensionLoader(Filter.class).getExtension(AttemptRecorder.NAME);
        }

        @Override
        public void close() {
            bootstrap.destroy();
            framework.destroy();
        }
    }

    private void latency(Consumer plain, Consumer hakit) {
        for (Consumer c : List.of(plain, hakit, plain, hakit)) {
            for (int i = 0; i < CALLS_PER_ROUND / 2; i++) {
                call(c);
            }
        }
        Map<String, List<long[]>> rounds = new HashMap<>();
        for (int r = 0; r < ROUNDS; r++) {
            for (Consumer c : (r % 2 == 0 ? List.of(plain, hakit) : List.of(hakit, plain))) {
                long[] nanos = new long[CALLS_PER_ROUND];
                for (int i = 0; i < CALLS_PER_ROUND; i++) {
                    long t0 = System.nanoTime();
                    call(c);
                    nanos[i] = System.nanoTime() - t0;
                }
                rounds.computeIfAbsent(c.name, k -> new ArrayList<>()).add(nanos);
            }
        }
        report.add("");
        report.add("## One thread, " + ROUNDS + " x " + CALLS_PER_ROUND + " calls each, alternating");
        report.add("");
        report.add("| consumer | calls/s (median round) | mean µs | p50 µs | p99 µs | p99.9 µs | failed calls |");
        report.add("|---|---|---|---|---|---|---|");
        Map<String, Double> rate = new HashMap<>();
        for (String name : List.of("plain", "hakit")) {
            List<long[]> rs = rounds.get(name);
            double[] perRound = rs.stream().mapToDouble(a -> a.length / (Arrays.stream(a).sum() / 1e9)).sorted().toArray();
            long[] all = rs.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            double mean = Arrays.stream(all).average().orElse(0) / 1000.0;
            rate.put(name, perRound[perRound.length / 2]);
            report.add(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.1f | %.1f | %.1f | %d |", name,
                    perRound[perRound.length / 2], mean, pct(all, 50), pct(all, 99), pct(all, 99.9),
                    errors(name).getAndSet(0)));
        }
        report.add("");
        report.add(String.format(Locale.ROOT, "hakit / plain calls/s: %.3f", rate.get("hakit") / rate.get("plain")));
    }


    private static String load() {
        return String.format(Locale.ROOT, "%.1f",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** One call; a failure is counted, not fatal (the machine may be loaded by other work). */
    private void call(Consumer c) {
        try {
            c.echo.echo("x");
        } catch (RuntimeException e) {
            errors(c.name).incrementAndGet();
        }
    }

    private AtomicLong errors(String consumer) {
        synchronized (errors) {
            return errors.computeIfAbsent(consumer, k -> new AtomicLong());
        }
    }

    private static double pct(long[] sorted, double p) {
        int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1000.0;
    }

    private void throughput(Consumer plain, Consumer hakit) throws InterruptedException {
        Map<String, List<Double>> rates = new HashMap<>();
        for (int r = 0; r < 3; r++) {
            for (Consumer c : (r % 2 == 0 ? List.of(plain, hakit) : List.of(hakit, plain))) {
                rates.computeIfAbsent(c.name, k -> new ArrayList<>()).add(runThreads(c, MT_ROUND));
            }
        }
        report.add("");
        report.add("## " + THREADS + " threads, 3 rounds of " + MT_ROUND.toSeconds() + " s each, alternating");
        report.add("");
        report.add("| consumer | calls/s per round | median | failed calls |");
        report.add("|---|---|---|---|");
        for (String name : List.of("plain", "hakit")) {
            List<Double> rs = rates.get(name).stream().sorted().toList();
            report.add(String.format(Locale.ROOT, "| %s | %s | %.0f | %d |", name,
                    rs.stream().map(d -> String.format(Locale.ROOT, "%.0f", d)).toList(), rs.get(1),
                    errors(name).getAndSet(0)));
        }
        report.add("");
        report.add(String.format(Locale.ROOT, "hakit / plain calls/s: %.3f",
                rates.get("hakit").stream().sorted().toList().get(1) / rates.get("plain").stream().sorted().toList().get(1)));
    }

    private double runThreads(Consumer c, Duration duration) throws InterruptedException {
        AtomicLong calls = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < THREADS; t++) {
            Thread thread = new Thread(() -> {
                while (!stop.get()) {
                    call(c);
                    calls.incrementAndGet();
                }
            }, "bench-" + c.name + "-" + t);
            threads.add(thread);
            thread.start();
        }
        Await.until(duration.plusSeconds(5), () -> System.nanoTime() - start >= duration.toNanos(), () -> "round end");
        stop.set(true);
        for (Thread t : threads) {
            t.join(5_000);
        }
        return calls.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** Calls in a loop; {@code victim} dies (or hangs) 1 s in; 5 s later the effect is summarised. */
    private void failure(String how, Consumer c, Provider victim, boolean hang) throws InterruptedException {
        AttemptRecorder recorder = c.recorder();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong failed = new AtomicLong();
        AtomicLong calls = new AtomicLong();
        AtomicLong slowest = new AtomicLong();
        AtomicLong failedAt = new AtomicLong();
        recorder.start();
        Thread caller = new Thread(() -> {
            while (!stop.get()) {
                long t0 = System.nanoTime();
                try {
                    c.echo.echo("x");
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                }
                long took = System.nanoTime() - t0;
                calls.incrementAndGet();
                if (failedAt.get() != 0) {
                    slowest.accumulateAndGet(took, Math::max);
                }
            }
        }, "bench-failure-" + c.name);
        caller.start();
        long begin = System.nanoTime();
        Await.until(Duration.ofSeconds(5), () -> System.nanoTime() - begin >= 1_000_000_000L, () -> "1 s of calls");
        long callsBefore = calls.get();
        long failedBefore = failed.get();
        long at = System.nanoTime();
        failedAt.set(at);
        if (hang) {
            victim.process().freeze();
        } else {
            victim.process().kill();
        }
        Await.until(Duration.ofSeconds(10), () -> System.nanoTime() - at >= 5_000_000_000L, () -> "5 s after");
        stop.set(true);
        caller.join(5_000);
        List<AttemptRecorder.Attempt> attempts = recorder.stop();
        String victimAddr = victim.address();
        long toVictim = attempts.stream().filter(a -> a.nanos() >= at && a.address().equals(victimAddr)).count();
        long lastToVictimMs = attempts.stream().filter(a -> a.nanos() >= at && a.address().equals(victimAddr))
                .mapToLong(a -> (a.nanos() - at) / 1_000_000).max().orElse(-1);
        if (report.stream().noneMatch(l -> l.startsWith("## A provider fails"))) {
            report.add("");
            report.add("## A provider fails while one thread calls (5 s observed after the failure)");
            report.add("");
            report.add("| failure | consumer | calls in 5 s | failed calls | attempts to the failed provider | last of them ended, ms after the failure | slowest call ms |");
            report.add("|---|---|---|---|---|---|---|");
        }
        report.add(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %.0f |", how, c.name,
                calls.get() - callsBefore, failed.get() - failedBefore, toVictim, lastToVictimMs,
                slowest.get() / 1e6));
    }
}
