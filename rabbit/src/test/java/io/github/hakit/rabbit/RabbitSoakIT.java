package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rabbit.RabbitClusterExtension;
import io.github.hakit.testkit.rabbit.RabbitNode;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * issue 14, chaos soak: a reliable publisher and a consumer on a quorum queue while, every 10–20 s, a random node of
 * a 3-node cluster is killed ({@code kill -9}), frozen (SIGSTOP) or black-holed (killed, its ports answering nothing)
 * and brought back. 0 lost (every confirmed id consumed), 0 failed publishes, duplicates counted, and the JVM's
 * threads and file descriptors back where they were. 60 s by default; {@code -Psoak} runs 10 min
 * ({@code -Dhakit.soak.seconds}); {@code -Dhakit.soak.seed} repeats a run.
 *
 * <p>On the run's shared cluster: a fault is held 3–6 s, shorter than Erlang's {@code net_ticktime} (60 s), so a
 * frozen node's peers do not notice it (no partition); its clients do (no answers, no confirms, missed heartbeats).
 */
@ExtendWith(RabbitClusterExtension.class)
class RabbitSoakIT {
    private static final Logger log = LoggerFactory.getLogger(RabbitSoakIT.class);
    private static final long SECONDS = Long.getLong("hakit.soak.seconds", 60);
    private static final long SEED = Long.getLong("hakit.soak.seed", System.nanoTime());
    private static final int RATE_PER_SECOND = 300;
    private static final Duration HEAL = Duration.ofSeconds(120);

    @Test
    void publisherAndConsumerLoseNothingWhileRandomNodesAreKilledFrozenAndBlackHoled(RabbitTestCluster cluster)
            throws Exception {
        soak(cluster);
    }

    private void soak(RabbitTestCluster cluster) throws Exception {
        String queue = RabbitITSupport.uniqueQueue("soak");
        SplittableRandom random = new SplittableRandom(SEED);
        Counts before = Counts.now();
        Map<String, Integer> deliveries = new ConcurrentHashMap<>();
        AtomicLong lastConfirm = new AtomicLong(System.nanoTime());
        AtomicLong worstGap = new AtomicLong();
        List<String> faults = new ArrayList<>();
        PacedProducer producer = null;
        long t0;
        try (RabbitCluster rabbit = RabbitITSupport.clientFor(cluster).build()) {
            rabbit.declareQuorumQueue(queue);
            cluster.awaitQuorumMembersOnline(HEAL);
            try (ReliablePublisher publisher = rabbit.publisher(PublisherConfig.builder().leaderOf(queue)
                    .maxInFlight(5_000).confirmDeadline(Duration.ofSeconds(180)).build());
                    ResilientConsumer consumer = rabbit.consume(queue, 200,
                            d -> deliveries.merge(d.getProperties().getMessageId(), 1, Integer::sum))) {
                t0 = System.nanoTime();
                producer = new PacedProducer(publisher, queue, RATE_PER_SECOND, r -> {
                    long now = System.nanoTime();
                    long gap = now - lastConfirm.getAndSet(now);
                    worstGap.accumulateAndGet(gap, Math::max);
                });
                long end = t0 + TimeUnit.SECONDS.toNanos(SECONDS);
                while (System.nanoTime() - end < 0) {
                    long interval = TimeUnit.SECONDS.toNanos(10 + random.nextInt(11));
                    long next = System.nanoTime() + interval;
                    RabbitNode node = cluster.node(random.nextInt(3));
                    String fault = switch (random.nextInt(3)) {
                        case 0 -> {
                            node.kill();
                            yield "kill -9";
                        }
                        case 1 -> {
                            node.freeze();
                            yield "freeze";
                        }
                        default -> {
                            node.blackHole();
                            yield "black hole";
                        }
                    };
                    // hold the fault a few seconds (publisher and consumer must notice it), then heal
                    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(3 + random.nextInt(4)));
                    long healStart = System.nanoTime();
                    cluster.heal(HEAL);
                    faults.add(fault + " " + node.letter() + " (back in "
                            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healStart) + " ms)");
                    log.info("soak: {} of {} healed; {}", fault, node.nodeName(), publisher.stats());
                    long wait = Math.min(next, end) - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                PacedProducer.Outcome outcome = producer.stopAndAwait(Duration.ofSeconds(180));
                long failed = outcome.failed();
                Set<String> confirmed = outcome.confirmed();
                Await.until(Duration.ofSeconds(120), () -> deliveries.keySet().containsAll(confirmed),
                        () -> "consumed " + deliveries.size() + " of " + confirmed.size() + " confirmed ids");
                long lost = confirmed.stream().filter(id -> !deliveries.containsKey(id)).count();
                long duplicates = deliveries.values().stream().mapToLong(c -> c - 1).sum();
                ReliablePublisher.Stats stats = publisher.stats();
                log.info("RESULT soak {} s (seed {}), {} msg/s: faults {}; published {}, failed {}, confirmed {}, "
                                + "lost {}, duplicate deliveries {}, re-sent {}, nacked {}, node switches {}, worst "
                                + "gap between confirms {} ms, consumer resubscriptions {}", SECONDS, SEED,
                        RATE_PER_SECOND, faults, outcome.published(), failed, confirmed.size(), lost, duplicates,
                        stats.resent(), stats.nacked(), stats.recoveries(),
                        TimeUnit.NANOSECONDS.toMillis(worstGap.get()), consumer.resubscriptions());
                assertEquals(0, failed, "failed publishes");
                assertEquals(0, lost, "confirmed and never consumed");
                assertTrue(!faults.isEmpty(), "at least one fault injected");
            } finally {
                if (producer != null) {
                    producer.close();
                }
            }
            cluster.heal(HEAL);
            rabbit.withChannel(ch -> ch.queueDelete(queue));
        }
        Counts after = awaitBack(before);
        log.info("RESULT soak resources: before {}, after {}", before, after);
        assertTrue(after.threads <= before.threads + 2 && after.fds <= before.fds + 4,
                "threads/fds " + before + " -> " + after);
    }

    private static Counts awaitBack(Counts before) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Counts now = Counts.now();
        while ((now.threads > before.threads + 2 || now.fds > before.fds + 4) && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            now = Counts.now();
        }
        return now;
    }

    private record Counts(int threads, int fds) {
        static Counts now() {
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                return new Counts(ManagementFactory.getThreadMXBean().getThreadCount(), (int) s.count());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
