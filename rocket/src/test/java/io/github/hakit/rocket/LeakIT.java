package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NameServerGroup} and {@link HaProducer} built, used (one send) and closed 200 times leave no threads, file
 * descriptors or sockets behind. RocketMQ's client needs about 3 s to close (its event thread polls every 3 s), so the
 * cycles run 25 at a time and each cycle closes its producer and its group side by side.
 */
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class LeakIT {
    private static final Logger log = LoggerFactory.getLogger(LeakIT.class);
    static final int CYCLES = Integer.getInteger("hakit.leak.cycles", 200);
    static final int PARALLEL = 25;
    /** Threads of JVM-wide pools (netty's global executor, cleaners) may come and go; a leak grows with the cycles. */
    static final int SLACK = 6;

    record Counts(int threads, int fds, int sockets) {
        static Counts now() {
            int fds = 0;
            int sockets = 0;
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                for (Path p : s.toList()) {
                    fds++;
                    try {
                        if (Files.readSymbolicLink(p).toString().startsWith("socket:")) {
                            sockets++;
                        }
                    } catch (IOException gone) {
                        // closed while listing
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot list /proc/self/fd", e);
            }
            return new Counts(Thread.getAllStackTraces().size(), fds, sockets);
        }

        boolean within(Counts base, int slack) {
            return threads <= base.threads + slack && fds <= base.fds + slack && sockets <= base.sockets + slack;
        }
    }

    /** One NameServerGroup + HaProducer built, used for one send and closed; also the soak's warm-up. */
    static void cycle(RocketTestCluster cluster, String topic, int n) throws Exception {
        NameServerGroup group = NameServerGroup.builder("leak-" + n).addresses(cluster.nameServerAddresses())
                .checkInterval(Duration.ofMillis(500)).build().start();
        HaProducer producer = HaProducer.builder("leak-producer-" + n).nameServers(group)
                .sendTimeout(Duration.ofSeconds(10)).build().start();
        try {
            assertEquals(SendStatus.SEND_OK, producer.send(new Message(topic, ("leak-" + n)
                    .getBytes(StandardCharsets.UTF_8))).getSendStatus());
        } finally {
            Thread closer = new Thread(producer::close, "leak-close-" + n);
            closer.start();
            group.close();
            closer.join();
        }
    }

    @Test
    void twoHundredBuildUseCloseCyclesLeaveNoThreadsFdsOrSockets(RocketTestCluster cluster) throws Exception {
        String topic = "leak";
        cluster.createTopic(topic, 2, false);
        cycle(cluster, topic, -1); // warms JVM-wide pools (netty's global event executor, class loading)
        Counts base = Counts.now();
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        AtomicInteger done = new AtomicInteger();
        try {
            List<Future<?>> cycles = new ArrayList<>();
            for (int i = 0; i < CYCLES; i++) {
                int n = i;
                cycles.add(pool.submit(() -> {
                    cycle(cluster, topic, n);
                    return done.incrementAndGet();
                }));
            }
            for (Future<?> f : cycles) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Counts peak = Counts.now();
        // closed clients' threads end within netty's quiet period (2 s) and the client's 3 s poll
        Await.until(Duration.ofSeconds(30), () -> Counts.now().within(base, SLACK),
                () -> "after " + CYCLES + " cycles: " + Counts.now() + ", before: " + base);
        Counts after = Counts.now();
        log.info("{} build/use/close cycles of NameServerGroup + HaProducer in {} ms: before {}, right after {}, settled {}",
                done.get(), (System.nanoTime() - t0) / 1_000_000, base, peak, after);
        assertEquals(CYCLES, done.get());
        assertTrue(after.within(base, SLACK), after + " vs " + base);
    }
}
