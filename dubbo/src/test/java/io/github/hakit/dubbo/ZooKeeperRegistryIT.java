package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import io.github.hakit.dubbo.fixture.DubboInternals;
import io.github.hakit.dubbo.fixture.DubboNet;
import io.github.hakit.dubbo.fixture.Greeter;
import io.github.hakit.dubbo.fixture.RegistryView;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.zookeeper.ZooKeeperExtension;
import io.github.hakit.testkit.zookeeper.ZooKeeperTestCluster;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Dubbo's ZooKeeper registry on a real 3-member ensemble: member loss and session expiry. */
@ExtendWith(ZooKeeperExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZooKeeperRegistryIT {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperRegistryIT.class);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private ZooKeeperTestCluster ensemble;

    @BeforeAll
    void sharedEnsemble(ZooKeeperTestCluster shared) {
        ensemble = shared;
    }

    private ZooKeeperSettings settings() {
        return ZooKeeperSettings.builder(ensemble.connectString()).fileCache(false).build();
    }

    private DubboNet hakitNet() {
        return new DubboNet(() -> HakitZooKeeper.registryConfig(settings()));
    }

    private DubboNet stockNet() {
        return new DubboNet(() -> {
            RegistryConfig config = new RegistryConfig(HakitZooKeeper.registryAddress(settings()));
            config.setParameters(new java.util.HashMap<>(Map.of("file-cache", "false")));
            return config;
        });
    }

    @Test
    void registryConfigListsTheWholeEnsembleWithHakitTimeouts() {
        RegistryConfig config = HakitZooKeeper.registryConfig(settings());
        String[] members = ensemble.connectString().split(",");
        assertEquals("zookeeper://" + members[0] + "?backup=" + members[1] + "," + members[2], config.getAddress());
        assertEquals(30_000, config.getSession());
        assertEquals("200", config.getParameters().get("retry.period"));
    }

    @Test
    void killingTheZooKeeperMemberAProviderUsesKeepsItRegisteredAndCallsFlowing() throws Exception {
        try (DubboNet net = hakitNet(); RegistryView registry = new RegistryView(ensemble.connectString())) {
            DubboNet.Node provider = net.provider("p1", "zone-a-host1", 0, Map.of(), b -> { });
            DubboNet.Node consumer = net.consumer("c1", null, Map.of("cluster", HakitDubbo.CLUSTER), b -> { });
            consumer.awaitProviders(1, WAIT);
            CuratorFramework providerZk = DubboInternals.registryCurator(provider.applicationModel());
            ZooKeeper handle = providerZk.getZookeeperClient().getZooKeeper();
            long session = handle.getSessionId();
            int member = ensemble.memberServing(handle).orElseThrow();

            ensemble.kill(member);
            try {
                int failed = 0;
                int calls = 0;
                long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < until) {
                    calls++;
                    try {
                        consumer.greeter().echo("x");
                    } catch (RuntimeException e) {
                        failed++;
                    }
                }
                Await.until(WAIT, () -> providerZk.getZookeeperClient().isConnected(), () -> "provider reconnected");
                log.info("one of three ZooKeeper members killed: {} calls, {} failed; provider moved from member {} to {}",
                        calls, failed, member, ensemble.memberServing(providerZk.getZookeeperClient().getZooKeeper()));

                assertEquals(0, failed, "calls failed while a ZooKeeper member was down");
                assertEquals(session, providerZk.getZookeeperClient().getZooKeeper().getSessionId(), "same session");
                assertEquals(1, registry.providers(Greeter.class).size(), "still registered");
            } finally {
                ensemble.restart(member); // the ensemble is shared with later tests
            }
        }
    }

    /** Expires the provider's session and returns ms from the new session's connection to re-registration. */
    private long expireAndMeasure(DubboNet.Node provider, RegistryView registry) throws Exception {
        CuratorFramework providerZk = DubboInternals.registryCurator(provider.applicationModel());
        AtomicLong reconnectedAt = new AtomicLong();
        providerZk.getConnectionStateListenable().addListener((client, state) -> {
            if (state == ConnectionState.RECONNECTED) {
                reconnectedAt.compareAndSet(0, System.nanoTime());
            }
        });
        long oldSession = providerZk.getZookeeperClient().getZooKeeper().getSessionId();
        ensemble.expireSession(providerZk.getZookeeperClient().getZooKeeper());
        Await.until(WAIT, () -> registry.providers(Greeter.class).isEmpty(), () -> "registration gone with the session");
        Await.until(WAIT, () -> !registry.providers(Greeter.class).isEmpty(), () -> "registration restored");
        long restoredAt = System.nanoTime();
        assertNotEquals(oldSession, providerZk.getZookeeperClient().getZooKeeper().getSessionId(), "a new session");
        assertTrue(reconnectedAt.get() != 0, "RECONNECTED seen");
        return (restoredAt - reconnectedAt.get()) / 1_000_000;
    }

    @Test
    void withHakitSettingsRegistrationIsBackWellUnderTheStockTenSecondsAfterSessionExpiry() throws Exception {
        try (DubboNet net = hakitNet(); RegistryView registry = new RegistryView(ensemble.connectString())) {
            DubboNet.Node provider = net.provider("p1", "zone-a-host1", 0, Map.of(), b -> { });
            Await.until(WAIT, () -> registry.providers(Greeter.class).size() == 1, () -> "registered");
            List<Long> restoreMs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                restoreMs.add(expireAndMeasure(provider, registry));
            }
            log.info("hakit: registration restored {} ms after reconnection (5 session expiries)", restoreMs);
            // retry.period 200 ms: one to two timer periods plus ZooKeeper round trips. Under load on a 2-CPU machine
            // (other builds running) one expiry took 1095 ms, so: median under 1 s, none above 2.5 s (stock Dubbo:
            // 10 s, see the test above)
            List<Long> sorted = restoreMs.stream().sorted().toList();
            assertTrue(sorted.get(2) < 1_000, "median restore " + sorted.get(2) + " ms: " + restoreMs);
            for (long ms : restoreMs) {
                assertTrue(ms < 2_500, "restored after " + ms + " ms: " + restoreMs);
            }
        }
    }

    @Test
    void stockDubboReRegistersOnlyAfterItsFiveSecondRetryPeriod() throws Exception {
        try (DubboNet net = stockNet(); RegistryView registry = new RegistryView(ensemble.connectString())) {
            DubboNet.Node provider = net.provider("p1", "zone-a-host1", 0, Map.of(), b -> { });
            Await.until(WAIT, () -> registry.providers(Greeter.class).size() == 1, () -> "registered");
            long ms = expireAndMeasure(provider, registry);
            log.info("stock Dubbo: registration restored {} ms after reconnection", ms);
            assertTrue(ms > 1_000, "stock Dubbo restored after " + ms + " ms");
        }
    }
}
