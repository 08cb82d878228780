package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import io.github.hakit.dubbo.fixture.DubboNet;
import io.github.hakit.dubbo.fixture.SimulatedProvider;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.zookeeper.ProcessSockets;
import io.github.hakit.testkit.zookeeper.ZooKeeperExtension;
import io.github.hakit.testkit.zookeeper.ZooKeeperTestServer;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leak test (issue 14 point 3) for the Dubbo/ZooKeeper helpers: {@code -Dhakit.leak.cycles} (default 200) cycles of
 * {@link HakitZooKeeper#newCurator} (start, write, read, close), and a tenth as many cycles of a hakit provider plus
 * a hakit consumer ({@code hakit} cluster, one call) built and destroyed; threads, file descriptors and TCP sockets
 * of this JVM must come back to where they were after a warm-up (tolerance: a few threads of JDK/Dubbo pools that
 * are created once per JVM and idle out).
 */
@ExtendWith(ZooKeeperExtension.class)
class DubboLeakIT {
    private static final Logger log = LoggerFactory.getLogger(DubboLeakIT.class);
    private static final int CYCLES = Integer.getInteger("hakit.leak.cycles", 200);
    /** Threads of shared JDK/Dubbo pools (ForkJoin common pool, Dubbo's global executors) may vary by this much. */
    private static final int THREAD_SLACK = 8;

    record Counts(int threads, long fds, int sockets) {
    }

    private static Counts counts() throws IOException {
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        }
        return new Counts(Thread.activeCount(), fds, ProcessSockets.supported() ? ProcessSockets.current().size() : 0);
    }

    private static boolean settled(Counts before, int threadSlack) {
        try {
            Counts now = counts();
            return now.threads() <= before.threads() + threadSlack && now.fds() <= before.fds() + 2
                    && now.sockets() <= before.sockets();
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void curatorCyclesLeakNoThreadsFdsOrSockets(ZooKeeperTestServer zk) throws Exception {
        ZooKeeperSettings settings = ZooKeeperSettings.builder(zk.connectString()).fileCache(false).build();
        cycleCurator(settings, 5); // warm-up: class loading, JDK pools
        Counts before = counts();
        long start = System.nanoTime();
        cycleCurator(settings, CYCLES);
        log.info("{} Curator cycles in {} ms; before {}, after {}", CYCLES, (System.nanoTime() - start) / 1_000_000,
                before, counts());
        // a closed Curator's event threads end within the session close; poll with a margin
        Await.until(Duration.ofSeconds(30), () -> settled(before, 0), () -> "threads/fds/sockets back to " + before);
    }

    private static void cycleCurator(ZooKeeperSettings settings, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            try (CuratorFramework curator = HakitZooKeeper.newCurator(settings)) {
                curator.start();
                assertTrue(curator.blockUntilConnected(10, TimeUnit.SECONDS));
                curator.create().orSetData().forPath("/hakit-leak", new byte[] {(byte) i});
                curator.getData().forPath("/hakit-leak");
            }
        }
    }

    @Test
    void dubboProviderAndConsumerCyclesLeakNoThreadsFdsOrSockets(ZooKeeperTestServer zk) throws Exception {
        int cycles = Math.max(2, CYCLES / 10);
        cycleDubbo(zk.connectString(), 2);
        Counts before = counts();
        long start = System.nanoTime();
        cycleDubbo(zk.connectString(), cycles);
        log.info("{} Dubbo provider+consumer cycles in {} ms; before {}, after {}", cycles,
                (System.nanoTime() - start) / 1_000_000, before, counts());
        Await.until(Duration.ofSeconds(60), () -> settled(before, THREAD_SLACK),
                () -> "threads/fds/sockets back to " + before);
    }

    /** {@code n} times: a hakit provider and a hakit consumer built, called once and closed. */
    static void cycleDubbo(String zkConnectString, int n) {
        for (int i = 0; i < n; i++) {
            try (DubboNet net = new DubboNet(zkConnectString)) {
                SimulatedProvider.create(net, "a1", "a", "zone-a-host1").startWithHakit(Map.of());
                DubboNet.Node consumer = net.consumer("consumer-a", "a", Map.of("cluster", HakitDubbo.CLUSTER),
                        b -> HakitDubbo.installConsumer(b.getApplicationModel(), ConsumerOptions.builder().zone("a").build()));
                consumer.awaitProviders(1, Duration.ofSeconds(30));
                assertTrue(consumer.greeter().whoAmI().startsWith("a1 "));
            }
        }
    }
}
