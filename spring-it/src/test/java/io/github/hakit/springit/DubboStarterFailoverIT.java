package io.github.hakit.springit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.springit.dubbo.Greeter;
import io.github.hakit.springit.dubbo.GreeterProvider;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.ManagedProcess;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.zookeeper.ZooKeeperExtension;
import io.github.hakit.testkit.zookeeper.ZooKeeperTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.dubbo.config.annotation.DubboReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributorRegistry;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A Spring Boot consumer written as dubbo-spring-boot-starter users write one — a {@code @DubboReference} field in a
 * bean, the starter's {@code dubbo.*} properties, no hakit API in the code — with hakit-dubbo on the class path and
 * {@code cluster = "hakit"} on the reference. Two providers of the same interface run in their own JVMs, each a
 * Spring Boot app with the starter and a {@code @DubboService} class ({@link GreeterProvider}), registered in the
 * testkit ZooKeeper with {@code hakit.dubbo.provider.*} (host and zone); one is killed with {@code kill -9} while the
 * consumer calls in a loop: no call may fail, the calls after the kill are all answered by the other provider, and
 * the {@code hakitDubbo} health indicator lists the reference with its providers and the zone they registered.
 * <p>Loopback only: this module's failsafe JVMs (and the provider JVMs) run with
 * {@code dubbo.network.interface.ignored=.*}, so every address Dubbo registers or substitutes is 127.0.0.1; the test
 * checks that every provider address the consumer knows is 127.0.0.1.
 */
// ZooKeeperExtension first: JUnit runs afterAll callbacks in reverse, so the context (closed after the class, see
// @DirtiesContext) unregisters from ZooKeeper while it still runs, and the JVM does not hang in Dubbo's shutdown
@ExtendWith(ZooKeeperExtension.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@SpringBootTest(classes = DubboStarterFailoverIT.App.class, properties = {
    "spring.autoconfigure.exclude=org.springframework.boot.autoconfigure.amqp.RabbitAutoConfiguration",
    "hakit.rabbit.enabled=false",
    "dubbo.application.name=spring-it-dubbo-consumer",
    "dubbo.application.qos-enable=false",
    "hakit.dubbo.consumer.enabled=true",
    "hakit.dubbo.consumer.max-fails=1",
    "hakit.dubbo.consumer.fail-timeout=10s"
})
class DubboStarterFailoverIT {
    private static final Logger log = LoggerFactory.getLogger(DubboStarterFailoverIT.class);
    /** The reference's call timeout ({@code @DubboReference(timeout)}), which the waits below are derived from. */
    static final int CALL_TIMEOUT_MS = 5_000;
    private static final Duration CALL_TIMEOUT = Duration.ofMillis(CALL_TIMEOUT_MS);
    /** Provider JVM start-up (a Spring Boot app), export and ZooKeeper registration on a loaded 2-CPU machine. */
    private static final Duration PROVIDER_START = Duration.ofSeconds(120);
    /** The zone the providers register through {@code hakit.dubbo.provider.zone}. */
    private static final String PROVIDER_ZONE = "zone-a";
    private static final int CALLS_BEFORE_KILL = 100;
    private static final int CALLS_AFTER_KILL = 300;

    private static ZooKeeperTestServer zooKeeper;
    private static final List<ManagedProcess> providers = new CopyOnWriteArrayList<>();
    private static int port1;
    private static int port2;

    @BeforeAll
    static void startProviders(ZooKeeperTestServer zk) throws Exception {
        zooKeeper = zk;
        port1 = Ports.freePort("127.0.0.1");
        port2 = Ports.freePort("127.0.0.1");
        providers.add(startProvider("p1", port1));
        providers.add(startProvider("p2", port2));
        for (int port : List.of(port1, port2)) {
            Await.until(PROVIDER_START, () -> Ports.isListening("127.0.0.1", port, 500),
                    () -> "provider on 127.0.0.1:" + port + " to listen; logs " + providers);
        }
    }

    private static ManagedProcess startProvider(String name, int port) throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "dubbo-providers", name));
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return ManagedProcess.startJava("dubbo-" + name, classpath, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1",
                        "-Ddubbo.network.interface.ignored=.*", "-Djava.net.preferIPv4Stack=true",
                        "-Ddubbo.service.shutdown.wait=500"),
                GreeterProvider.class.getName(), List.of(zooKeeper.connectString(), String.valueOf(port), name, PROVIDER_ZONE),
                dir, dir.resolve("console.log"));
    }

    @AfterAll
    static void stopProviders() {
        for (ManagedProcess p : providers) {
            p.kill(); // by PID, also when the test failed
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("dubbo.registry.address", () -> "zookeeper://" + zooKeeper.connectString() + "?file-cache=false");
    }

    @Autowired
    Caller caller;
    @Autowired
    HealthContributorRegistry health;

    @Test
    void killedProviderFailsNoCallOfTheDubboReference() throws Exception {
        HealthIndicator hakitDubbo = (HealthIndicator) health.getContributor("hakitDubbo");
        String reference = "dubbo:" + Greeter.class.getName();
        // both providers known to the reference, each answering
        Map<String, Integer> answers = new ConcurrentHashMap<>();
        Await.until(PROVIDER_START, () -> {
            try {
                answers.merge(caller.greeter.whoAmI(), 1, Integer::sum);
            } catch (RuntimeException e) {
                log.info("not yet: {}", e.toString());
            }
            return answers.getOrDefault("p1", 0) > 0 && answers.getOrDefault("p2", 0) > 0;
        }, () -> "both providers to answer, got " + answers);
        Map<String, Object> nodes = nodes(hakitDubbo.health(), reference);
        assertEquals(2, nodes.size(), () -> "health lists both providers: " + nodes);
        assertLoopback(nodes);
        assertZone(nodes);

        AtomicLong calls = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicInteger afterKillByP2 = new AtomicInteger();
        AtomicInteger afterKillByP1 = new AtomicInteger();
        Map<String, Integer> beforeKill = new ConcurrentHashMap<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        long slowestNanos = 0;
        boolean killed = false;
        long killedAt = 0;
        long start = System.nanoTime();
        // every call has its own deadline (the reference timeout); the loop's overall bound is derived from it
        long deadline = start + Duration.ofSeconds(30).plus(CALL_TIMEOUT.multipliedBy(10)).toNanos();
        while (afterKillByP2.get() < CALLS_AFTER_KILL) {
            assertTrue(System.nanoTime() < deadline, () -> "calls did not continue after the kill: " + calls
                    + " calls, " + afterKillByP2 + " answered by p2 after it, " + failures);
            if (!killed && calls.get() >= CALLS_BEFORE_KILL) {
                killedAt = System.nanoTime();
                providers.get(0).kill(); // kill -9 p1 between two calls of the loop; p1's connection dies
                killed = true;
            }
            long t0 = System.nanoTime();
            try {
                String who = caller.greeter.whoAmI();
                if (killed) {
                    (who.equals("p2") ? afterKillByP2 : afterKillByP1).incrementAndGet();
                } else {
                    beforeKill.merge(who, 1, Integer::sum);
                }
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                failures.add(e.toString());
            }
            slowestNanos = Math.max(slowestNanos, System.nanoTime() - t0);
            calls.incrementAndGet();
        }
        long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
        log.info("dubbo starter failover: {} calls in {} ms, {} failed, before the kill {}, after it {} by p2 and {} "
                + "by p1, slowest {} ms, kill at {} ms", calls, ms, failed, beforeKill, afterKillByP2, afterKillByP1,
                slowestNanos / 1_000_000, Duration.ofNanos(killedAt - start).toMillis());
        assertEquals(0, failed.get(), () -> "failed calls: " + failures);
        assertEquals(0, afterKillByP1.get(), "no call after the kill can be answered by the killed provider");
        assertTrue(beforeKill.getOrDefault("p1", 0) > 0 && beforeKill.getOrDefault("p2", 0) > 0,
                () -> "both providers took traffic before the kill: " + beforeKill);

        // health: the reference is listed, still UP (p2 takes traffic), p2 among its providers, all on loopback
        Health h = hakitDubbo.health();
        assertEquals(Status.UP, h.getStatus(), h::toString);
        Map<String, Object> after = nodes(h, reference);
        assertTrue(after.keySet().stream().anyMatch(k -> k.endsWith(":" + port2)), () -> "p2 listed: " + after);
        assertLoopback(after);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> nodes(Health health, String reference) {
        Map<String, Object> references = (Map<String, Object>) health.getDetails().get("references");
        assertTrue(references != null && references.containsKey(reference),
                () -> "hakitDubbo health lists " + reference + ": " + health);
        return (Map<String, Object>) ((Map<String, Object>) references.get(reference)).get("nodes");
    }

    @SuppressWarnings("unchecked")
    private static void assertLoopback(Map<String, Object> nodes) {
        for (Object node : nodes.values()) {
            String address = String.valueOf(((Map<String, Object>) node).get("address"));
            assertTrue(address.startsWith("127.0.0.1:"), () -> "provider address not loopback: " + nodes);
        }
    }

    /** Each provider's {@code hakit.dubbo.provider.zone}, installed by hakit's auto-configuration in the provider app. */
    @SuppressWarnings("unchecked")
    private static void assertZone(Map<String, Object> nodes) {
        for (Object node : nodes.values()) {
            Object zone = ((Map<String, Object>) node).get("zone");
            assertEquals(PROVIDER_ZONE, zone, () -> "zone registered by the @DubboService provider: " + nodes);
        }
    }

    /** The application's bean with the reference, as an app declares it. */
    static class Caller {
        @DubboReference(cluster = "hakit", timeout = CALL_TIMEOUT_MS, check = false,
                parameters = {"migration.step", "FORCE_INTERFACE"})
        Greeter greeter;
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        Caller caller() {
            return new Caller();
        }
    }
}
