package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import io.github.hakit.dubbo.fixture.DubboNet;
import io.github.hakit.dubbo.fixture.SimulatedProvider;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.zookeeper.ProcessSockets;
import io.github.hakit.testkit.zookeeper.ZooKeeperExtension;
import io.github.hakit.testkit.zookeeper.ZooKeeperTestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chaos soak (issue 14 point 1): hakit consumers in zones a and b call continuously while provider hosts of both
 * zones crash (connections reset, new ones refused; their registration stays, as when a host dies) and recover, and
 * a ZooKeeper member of the 3-member ensemble is killed and restarted, one event every {@code hakit.soak.interval}
 * (4–8 s here, 10–20 s with {@code -Psoak}). At least one provider always lives. {@code -Dhakit.soak.seconds}
 * (60; 600 with {@code -Psoak}), {@code -Dhakit.soak.seed}. Ends with a report and asserts 0 failed calls, and
 * that this JVM's threads, file descriptors and TCP sockets come back to their count before the soak once its
 * Dubbo nodes are closed (counted after a warm-up cycle, as in {@link DubboLeakIT}; sockets between the ensemble's
 * members are left out, they are re-formed after each member restart).
 */
@ExtendWith(ZooKeeperExtension.class)
class DubboChaosSoakIT {
    private static final Logger log = LoggerFactory.getLogger(DubboChaosSoakIT.class);
    private static final int SECONDS = Integer.getInteger("hakit.soak.seconds", 60);
    private static final long SEED = Long.getLong("hakit.soak.seed", 16L);
    private static final boolean LONG = SECONDS >= 300;

    /** One calling thread: calls, failures, the slowest call. */
    static final class Caller {
        final AtomicLong calls = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong worstMs = new AtomicLong();
        final List<String> errors = new ArrayList<>();
    }

    /** Threads of shared JDK/Dubbo pools (ForkJoin common pool, Dubbo's global executors) may vary by this much. */
    private static final int THREAD_SLACK = 8;

    record Counts(int threads, long fds, int sockets) {
    }

    private static Counts counts(ZooKeeperTestCluster ensemble) throws IOException {
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        }
        Set<Integer> peerPorts = ensemble.peerPorts();
        long sockets = ProcessSockets.current().stream()
                .filter(s -> !peerPorts.contains(s.local().getPort())
                        && (s.remote() == null || !peerPorts.contains(s.remote().getPort())))
                .count();
        return new Counts(Thread.activeCount(), fds, (int) sockets);
    }

    private static boolean settled(ZooKeeperTestCluster ensemble, Counts before) {
        try {
            Counts now = counts(ensemble);
            // fds: the ensemble's peer links are file descriptors too; they may be re-formed in another number
            return now.threads() <= before.threads() + THREAD_SLACK && now.fds() <= before.fds() + 8
                    && now.sockets() <= before.sockets();
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void callsAcrossTwoZonesSurviveProviderAndZooKeeperMemberKills(ZooKeeperTestCluster ensemble) throws Exception {
        assertTrue(ProcessSockets.supported(), "this check reads /proc/self/fd and /proc/self/net/tcp");
        SplittableRandom random = new SplittableRandom(SEED);
        DubboLeakIT.cycleDubbo(ensemble.connectString(), 1); // warm-up: Dubbo's once-per-JVM pools and classes
        Counts before = counts(ensemble);
        String report = soak(ensemble, random);
        // closed nodes' threads end and their connections close asynchronously: poll, with Dubbo's own close
        // bounds (shutdown wait, Curator session close) well inside the minute
        Await.until(Duration.ofSeconds(60), () -> settled(ensemble, before),
                () -> "threads/fds/sockets back to " + before + " after the soak; now " + countsOrError(ensemble)
                        + "; " + report);
        log.info("after the soak: threads/fds/sockets {} before, {} after", before, counts(ensemble));
    }

    private static String countsOrError(ZooKeeperTestCluster ensemble) {
        try {
            return counts(ensemble).toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private String soak(ZooKeeperTestCluster ensemble, SplittableRandom random) throws Exception {
        try (DubboNet net = new DubboNet(ensemble.connectString())) {
            List<SimulatedProvider> providers = List.of(
                    SimulatedProvider.create(net, "a1", "a", "zone-a-host1").startWithHakit(Map.of()),
                    SimulatedProvider.create(net, "a2", "a", "zone-a-host2").startWithHakit(Map.of()),
                    SimulatedProvider.create(net, "b1", "b", "zone-b-host1").startWithHakit(Map.of()),
                    SimulatedProvider.create(net, "b2", "b", "zone-b-host2").startWithHakit(Map.of()));
            List<DubboNet.Node> consumers = new ArrayList<>();
            for (String zone : List.of("a", "b")) {
                DubboNet.Node c = net.consumer("consumer-" + zone, zone, Map.of("cluster", HakitDubbo.CLUSTER,
                                "timeout", "1000", "heartbeat", "1000", "dubbo.application.least-reconnect-duration", "1000"),
                        b -> HakitDubbo.installConsumer(b.getApplicationModel(), ConsumerOptions.builder().zone(zone)
                                .maxFails(1).failTimeout(Duration.ofSeconds(5)).build()));
                c.awaitProviders(4, Duration.ofSeconds(30));
                consumers.add(c);
            }
            AtomicBoolean stop = new AtomicBoolean();
            List<Caller> callers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (DubboNet.Node consumer : consumers) {
                Caller caller = new Caller();
                callers.add(caller);
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        long start = System.nanoTime();
                        try {
                            consumer.greeter().whoAmI();
                        } catch (RuntimeException e) {
                            caller.failed.incrementAndGet();
                            synchronized (caller.errors) {
                                if (caller.errors.size() < 5) {
                                    caller.errors.add(e.toString());
                                }
                            }
                        }
                        caller.calls.incrementAndGet();
                        caller.worstMs.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
                    }
                }, "soak-" + consumer.name());
                threads.add(t);
                t.start();
            }
            List<String> events = new ArrayList<>();
            java.util.Set<SimulatedProvider> crashed = new java.util.LinkedHashSet<>();
            int zkDown = -1;
            long end = System.nanoTime() + Duration.ofSeconds(SECONDS).toNanos();
            try {
                while (System.nanoTime() - end < 0) {
                    long pauseMs = LONG ? 10_000 + random.nextInt(10_001) : 4_000 + random.nextInt(4_001);
                    // chaos pacing, not a wait for state: the callers run meanwhile
                    Thread.sleep(Math.min(pauseMs, Math.max(0, (end - System.nanoTime()) / 1_000_000)));
                    if (zkDown >= 0) {
                        ensemble.restart(zkDown);
                        events.add("restart zk" + zkDown);
                        zkDown = -1;
                    }
                    int action = random.nextInt(3);
                    if (action == 0) {
                        zkDown = random.nextInt(ensemble.size());
                        ensemble.kill(zkDown);
                        events.add("kill -9 zk" + zkDown);
                    } else {
                        SimulatedProvider p = providers.get(random.nextInt(providers.size()));
                        if (!crashed.contains(p) && crashed.size() < providers.size() - 1) {
                            p.crash();
                            crashed.add(p);
                            events.add("crash " + p.name());
                        } else if (crashed.remove(p)) {
                            p.recover();
                            events.add("recover " + p.name());
                        }
                    }
                }
            } finally {
                stop.set(true);
                for (Thread t : threads) {
                    t.join(30_000);
                }
                if (zkDown >= 0) {
                    ensemble.restart(zkDown);
                }
                for (SimulatedProvider p : crashed) {
                    p.recover();
                }
            }
            StringBuilder report = new StringBuilder("Dubbo chaos soak, " + SECONDS + " s, seed " + SEED + ": "
                    + events.size() + " events " + events);
            long failed = 0;
            for (int i = 0; i < callers.size(); i++) {
                Caller c = callers.get(i);
                failed += c.failed.get();
                report.append("\n  ").append(consumers.get(i).name()).append(": calls ").append(c.calls)
                        .append(", failed ").append(c.failed).append(", slowest ").append(c.worstMs).append(" ms ")
                        .append(c.errors);
            }
            log.info("{}", report);
            assertTrue(events.size() >= 3, report::toString);
            assertEquals(0, failed, report::toString);
            return report.toString();
        }
    }
}
