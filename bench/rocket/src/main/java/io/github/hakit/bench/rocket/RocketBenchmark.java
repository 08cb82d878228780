package io.github.hakit.bench.rocket;

import io.github.hakit.rocket.HaProducer;
import io.github.hakit.rocket.NameServerGroup;
import io.github.hakit.rocket.RocketSendException;
import io.github.hakit.rocket.SendAttempt;
import io.github.hakit.rocket.SendListener;
import io.github.hakit.testkit.rocket.RocketNode;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RocketMQ side by side, one cluster, one run (2 NameServers, {@code 2m-2s-async}, started by testkit):
 * <ol>
 *   <li>sync send throughput, one thread, 256-byte bodies: the raw {@code DefaultMQProducer} vs
 *       {@link HaProducer}, alternating send by send;</li>
 *   <li>failover: 500 sends/s, {@code kill -9} of broker-a's master after 4 s, for the stock client with its
 *       defaults (retries 2, latency fault off), the stock client with retries 0, and hakit's defaults —
 *       caller-visible failures, failed attempts where visible, how long broker-a stayed in rotation, the
 *       worst latency, and how long a restarted master waited for traffic.</li>
 * </ol>
 * Prints a Markdown report with the date and the machine and writes it to {@code docs/BENCHMARKS-rocket.md}
 * (system property {@code hakit.bench.rocket.out}; the profile sets it to the repository's file).
 * Run: {@code mvn -B -q -pl bench/rocket -am verify -Procket-bench} (system properties {@code bench.rounds},
 * {@code bench.roundSeconds}).
 */
public final class RocketBenchmark {
    private static final Logger log = LoggerFactory.getLogger(RocketBenchmark.class);
    private static final byte[] BODY = "x".repeat(256).getBytes(StandardCharsets.US_ASCII);
    private static final long RATE_PER_SECOND = 500;

    /** When broker-a's master was killed in the current failover run. */
    private volatile long killedAt;

    private RocketBenchmark() {
    }

    @FunctionalInterface
    private interface Sender {
        SendResult send(Message m) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 7);
        Duration round = Duration.ofSeconds(Long.getLong("bench.roundSeconds", 5));
        StringBuilder report = new StringBuilder();
        report.append("# RocketMQ benchmark\n\nWritten by `io.github.hakit.bench.rocket.RocketBenchmark` (`mvn -B -q -ntp -pl bench/rocket ")
                .append("-am verify -Procket-bench -DskipTests`).\n\n")
                .append("- Date: ").append(Instant.now().truncatedTo(ChronoUnit.MINUTES)).append('\n')
                .append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ")
                .append(cpuModel()).append(", ").append(System.getProperty("os.name")).append(' ')
                .append(System.getProperty("os.version")).append("; load average at start: ").append(loadAverage())
                .append('\n')
                .append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append("; RocketMQ 5.5.0 client and servers\n\n");
        try (RocketTestCluster cluster = RocketTestCluster.builder().nameServers(2).build().start()) {
            report.append("## RocketMQ (").append(cluster.layout().label()).append(", 2 NameServers, loopback)\n\n");
            RocketBenchmark bench = new RocketBenchmark();
            report.append(bench.throughput(cluster, rounds, round));
            report.append('\n').append(bench.failover(cluster));
        }
        System.out.println(report);
        Path out = Path.of(System.getProperty("hakit.bench.rocket.out", "docs/BENCHMARKS-rocket.md")).normalize();
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report.toString(), StandardCharsets.UTF_8);
        log.info("report written to {}", out.toAbsolutePath());
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private String throughput(RocketTestCluster cluster, int rounds, Duration round) throws Exception {
        String topic = "bench-throughput";
        cluster.createTopic(topic, 4, false);
        DefaultMQProducer raw = stock("bench-raw", cluster, 2, false);
        try (NameServerGroup group = group(cluster, "bench-tp");
             HaProducer ha = HaProducer.builder("bench-ha").nameServers(group).build().start()) {
            Sender rawSend = m -> raw.send(m);
            Sender haSend = ha::send;
            rate(rawSend, topic, Duration.ofSeconds(3));
            rate(haSend, topic, Duration.ofSeconds(3));
            // the two clients alternate send by send, so both see the same machine (this one is shared and noisy);
            // each client's rate is its sends over the time spent in its own sends
            List<Double> rawRates = new ArrayList<>();
            List<Double> haRates = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                long rawNanos = 0;
                long haNanos = 0;
                long n = 0;
                long end = System.nanoTime() + round.toNanos();
                while (System.nanoTime() - end < 0) {
                    boolean rawFirst = (n & 1) == 0;
                    long a = timed(rawFirst ? rawSend : haSend, topic);
                    long b = timed(rawFirst ? haSend : rawSend, topic);
                    rawNanos += rawFirst ? a : b;
                    haNanos += rawFirst ? b : a;
                    n++;
                }
                rawRates.add(n / (rawNanos / 1e9));
                haRates.add(n / (haNanos / 1e9));
                ratios.add(100.0 * rawNanos / haNanos);
                log.info("round {}: raw {}/s, hakit {}/s", r + 1, Math.round(rawRates.get(r)), Math.round(haRates.get(r)));
            }
            return String.format(Locale.ROOT, """
                    ### Sync send throughput (1 thread, 256 B, %d rounds of %d s; the clients alternate send by send)

                    | client | sends/s (median) | per round |
                    |---|---|---|
                    | raw rocketmq-client `DefaultMQProducer` | %.0f | %s |
                    | hakit `HaProducer` | %.0f | %s |
                    | hakit / raw, median of the per-round ratios | %.1f %% | %s |
                    """, rounds, round.toSeconds(), median(rawRates), rounded(rawRates), median(haRates),
                    rounded(haRates), median(ratios), rounded(ratios) + " %");
        } finally {
            raw.shutdown();
        }
    }

    private static long timed(Sender sender, String topic) throws Exception {
        long t0 = System.nanoTime();
        sender.send(new Message(topic, BODY));
        return System.nanoTime() - t0;
    }

    private static double rate(Sender sender, String topic, Duration duration) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        long t0 = System.nanoTime();
        long n = 0;
        while (System.nanoTime() - end < 0) {
            sender.send(new Message(topic, BODY));
            n++;
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private record Outcome(String client, long sends, long callerFailures, String failedAttempts, long inRotationMillis,
            long maxLatencyMillis, String rejoinMillis) {
    }

    private String failover(RocketTestCluster cluster) throws Exception {
        List<Outcome> outcomes = new ArrayList<>();
        outcomes.add(stockFailover(cluster, "stock client, defaults (retries 2, latency fault off)", 2, false));
        outcomes.add(stockFailover(cluster, "stock client, retries 0", 0, false));
        outcomes.add(stockFailover(cluster, "stock client, retries 2, sendLatencyFaultEnable", 2, true));
        outcomes.add(hakitFailover(cluster));
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, """
                ### Failover: kill -9 of broker-a's master at 4 s, %d sync sends/s for 16 s

                | client | sends | caller-visible failures | failed attempts | broker-a in rotation after the kill | worst send latency after the kill | restarted master gets traffic after |
                |---|---|---|---|---|---|---|
                """, RATE_PER_SECOND));
        for (Outcome o : outcomes) {
            s.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %d ms | %s |%n", o.client(), o.sends(),
                    o.callerFailures(), o.failedAttempts(),
                    o.inRotationMillis() < 0 ? "—" : o.inRotationMillis() + " ms", o.maxLatencyMillis(), o.rejoinMillis()));
        }
        s.append("""

                "In rotation": until the last attempt that *started* on broker-a (hakit, from its listener), or the
                last caller-visible failure (stock client with retries 0: every attempt on broker-a fails the call);
                the stock client with retries hides its failed attempts. "Restarted master gets traffic after":
                measured once the client's own route had dropped broker-a, from the restarted master being back in
                the NameServers' routes to the first send it takes.
                """);
        return s.toString();
    }

    private Outcome stockFailover(RocketTestCluster cluster, String label, int retries, boolean latencyFault)
            throws Exception {
        String topic = "bench-failover-" + outcomeTopicSuffix(label);
        cluster.createTopic(topic, 4, false);
        DefaultMQProducer producer = stock("bench-" + outcomeTopicSuffix(label), cluster, retries, latencyFault);
        try {
            return run(cluster, label, topic, m -> producer.send(m), null, producer);
        } finally {
            producer.shutdown();
        }
    }

    private Outcome hakitFailover(RocketTestCluster cluster) throws Exception {
        String topic = "bench-failover-hakit";
        cluster.createTopic(topic, 4, false);
        AtomicLong lastStartOnA = new AtomicLong(Long.MIN_VALUE);
        AtomicLong failedAttempts = new AtomicLong();
        try (NameServerGroup group = group(cluster, "bench-fo");
             HaProducer producer = HaProducer.builder("bench-fo-hakit").nameServers(group)
                     .listener(new SendListener() {
                         @Override
                         public void attemptFailed(String t, SendAttempt attempt) {
                             failedAttempts.incrementAndGet();
                             if (attempt.brokerName().equals("broker-a")) {
                                 lastStartOnA.accumulateAndGet(System.nanoTime() - attempt.took().toNanos(), Math::max);
                             }
                         }
                     }).build().start()) {
            Outcome o = run(cluster, "hakit `HaProducer`, defaults", topic, producer::send, failedAttempts,
                    producer.unwrap());
            return new Outcome(o.client(), o.sends(), o.callerFailures(), Long.toString(failedAttempts.get()),
                    lastStartOnA.get() == Long.MIN_VALUE ? 0 : Math.max(0, (lastStartOnA.get() - killedAt) / 1_000_000),
                    o.maxLatencyMillis(), o.rejoinMillis());
        }
    }


    private Outcome run(RocketTestCluster cluster, String label, String topic, Sender sender,
            AtomicLong failedAttempts, DefaultMQProducer client) throws Exception {
        log.info("failover: {}", label);
        for (int i = 0; i < 200; i++) {
            sender.send(new Message(topic, BODY)); // warm-up, both brokers
        }
        RocketNode master = cluster.master("broker-a");
        long periodNanos = 1_000_000_000L / RATE_PER_SECOND;
        long total = RATE_PER_SECOND * 16;
        long killAt = RATE_PER_SECOND * 4;
        long t0 = System.nanoTime();
        long failures = 0;
        long lastFailure = Long.MIN_VALUE;
        long maxLatencyAfter = 0;
        for (long i = 0; i < total; i++) {
            long due = t0 + i * periodNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (i == killAt) {
                killedAt = System.nanoTime();
                cluster.kill(master);
            }
            long s0 = System.nanoTime();
            try {
                sender.send(new Message(topic, BODY));
            } catch (RocketSendException | org.apache.rocketmq.client.exception.MQClientException
                    | org.apache.rocketmq.remoting.exception.RemotingException
                    | org.apache.rocketmq.client.exception.MQBrokerException e) {
                failures++;
                lastFailure = System.nanoTime();
            }
            if (i >= killAt) {
                maxLatencyAfter = Math.max(maxLatencyAfter, System.nanoTime() - s0);
            }
        }
        long inRotation = failures == 0 ? -1 : (lastFailure - killedAt) / 1_000_000;
        // rejoin is measured once the client's own route has dropped broker-a (the stock client polls routes
        // every 30 s): keep sending at the same rate until then, at most 40 s more
        long routeDeadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        for (long i = 0; routeHasBroker(client, topic, "broker-a") && System.nanoTime() - routeDeadline < 0; i++) {
            LockSupport.parkNanos(periodNanos);
            try {
                sender.send(new Message(topic, BODY));
            } catch (Exception e) {
                log.debug("send while waiting for the route failed", e);
            }
        }
        if (routeHasBroker(client, topic, "broker-a")) {
            log.warn("{}: the client still routes to broker-a 40 s after the stream", label);
        }
        // then restart the master and send at the same rate until one lands on it (at most 45 s)
        cluster.restart(master);
        long back = System.nanoTime();
        String rejoin = "> 45 s";
        long deadline = back + Duration.ofSeconds(45).toNanos();
        for (long i = 0; System.nanoTime() - deadline < 0; i++) {
            long wait = back + i * periodNanos - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            try {
                if (sender.send(new Message(topic, BODY)).getMessageQueue().getBrokerName().equals("broker-a")) {
                    rejoin = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - back) / 1e9);
                    break;
                }
            } catch (Exception e) {
                log.debug("send during rejoin failed", e);
            }
        }
        return new Outcome(label, total, failures, failedAttempts == null ? "not visible" : "", inRotation,
                maxLatencyAfter / 1_000_000, rejoin);
    }

    private static boolean routeHasBroker(DefaultMQProducer client, String topic, String broker) {
        var info = client.getDefaultMQProducerImpl().getTopicPublishInfoTable().get(topic);
        return info != null && info.getMessageQueueList().stream().anyMatch(q -> q.getBrokerName().equals(broker));
    }

    private static String outcomeTopicSuffix(String label) {
        return Integer.toHexString(label.hashCode());
    }

    private static DefaultMQProducer stock(String group, RocketTestCluster cluster, int retries, boolean latencyFault)
            throws Exception {
        DefaultMQProducer p = new DefaultMQProducer(group);
        p.setNamesrvAddr(cluster.nameServerAddress());
        p.setInstanceName(group);
        p.setRetryTimesWhenSendFailed(retries);
        p.setSendLatencyFaultEnable(latencyFault);
        p.start();
        return p;
    }

    private static NameServerGroup group(RocketTestCluster cluster, String name) {
        return NameServerGroup.builder(name).addresses(cluster.nameServerAddresses()).build().start();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        return sorted.get(sorted.size() / 2);
    }

    private static String rounded(List<Double> values) {
        return values.stream().map(v -> Long.toString(Math.round(v))).reduce((a, b) -> a + ", " + b).orElse("");
    }
}
