package io.github.hakit.rocket.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.rocket.HaProducer;
import io.github.hakit.rocket.NameServerGroup;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;

/** The auto-configuration in a plain Spring context with {@code hakit.rocket.*} properties, on a real cluster. */
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class RocketAutoConfigurationIT {
    private static AnnotationConfigApplicationContext context(Map<String, Object> properties) {
        AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext();
        ctx.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test", properties));
        ctx.registerBean(SimpleMeterRegistry.class);
        ctx.register(RocketAutoConfiguration.class, RocketObservabilityAutoConfiguration.class);
        ctx.refresh();
        return ctx;
    }

    @Test
    void nothingWithoutNameServers() {
        try (AnnotationConfigApplicationContext ctx = context(Map.of("hakit.rocket.producer.group", "p"))) {
            assertFalse(ctx.containsBean("rocketNameServerGroup"));
            assertFalse(ctx.containsBean("rocketProducer"));
        }
    }

    @Test
    void propertiesBuildAGroupAProducerHealthAndMeters(RocketTestCluster cluster) throws Exception {
        cluster.createTopic("spring", 2, false);
        try (AnnotationConfigApplicationContext ctx = context(Map.of(
                "hakit.rocket.name", "spring",
                "hakit.rocket.name-servers", cluster.nameServerAddress(),
                "hakit.rocket.health-check.inter", "500ms",
                "hakit.rocket.fail-timeout", "20s",
                "hakit.rocket.producer.group", "spring-producer",
                "hakit.rocket.producer.send-timeout", "15s"))) { // a cold broker on a loaded 2-CPU machine
            NameServerGroup group = ctx.getBean(NameServerGroup.class);
            assertEquals(cluster.nameServerAddresses(), group.upstream().endpoints().stream()
                    .map(e -> e.address()).toList());
            assertEquals(Duration.ofSeconds(20), group.upstream().endpoints().get(0).failTimeout());
            HaProducer producer = ctx.getBean(HaProducer.class);
            assertEquals(SendStatus.SEND_OK, producer.send(new Message("spring",
                    "from spring".getBytes(StandardCharsets.UTF_8))).getSendStatus());

            HealthIndicator health = ctx.getBean("hakitRocketHealthIndicator", HealthIndicator.class);
            Await.until(Duration.ofSeconds(10), () -> health.health().getStatus().equals(Status.UP),
                    () -> String.valueOf(health.health()));
            Map<?, ?> brokers = (Map<?, ?>) health.health().getDetails().get("brokers");
            assertEquals(List.of("broker-a", "broker-b"), brokers.keySet().stream().sorted().toList());
            assertEquals(2, ((Map<?, ?>) health.health().getDetails().get("nodes")).size());
            assertTrue(ctx.getBean("hakitRocketUpstream") instanceof io.github.hakit.core.spring.HakitUpstream);

            // producer meters, bound by the auto-configuration: per broker attempts, failed attempts, caller failures
            MeterRegistry meters = ctx.getBean(MeterRegistry.class);
            assertEquals(1.0, meters.get("hakit.rocketmq.producer.sends").tag("producer", "spring-producer")
                    .functionCounter().count());
            double attempts = meters.get("hakit.rocketmq.producer.attempts").tag("producer", "spring-producer")
                    .tag("outcome", "success").counters().stream().mapToDouble(c -> c.count()).sum();
            assertEquals(1.0, attempts);
            assertEquals(0.0, meters.get("hakit.rocketmq.producer.failed.attempts").tag("producer", "spring-producer")
                    .functionCounter().count());
            assertEquals(0.0, meters.get("hakit.rocketmq.producer.caller.failures").tag("producer", "spring-producer")
                    .functionCounter().count());
            assertTrue(meters.find("hakit.upstream.retries").tag("upstream", "rocketmq-brokers-spring-producer")
                    .functionCounter() != null);
        }
    }

    @Test
    void haproxyServerLinesWork(RocketTestCluster cluster) {
        try (AnnotationConfigApplicationContext ctx = context(Map.of(
                "hakit.rocket.servers[0]", "server ns1 " + cluster.nameServer(0).address() + " check inter 30s",
                "hakit.rocket.servers[1]", "server ns2 " + cluster.nameServer(1).address() + " check disabled"))) {
            assertEquals(List.of(cluster.nameServer(0).address()),
                    ctx.getBean(NameServerGroup.class).healthyAddresses());
        }
    }

    @Test
    void conflictingOrDisabledSettingsFailNamingTheProperty(RocketTestCluster cluster) {
        BeanCreationException both = assertThrows(BeanCreationException.class, () -> context(Map.of(
                "hakit.rocket.name-servers", cluster.nameServerAddress(),
                "hakit.rocket.address-server-url", "http://127.0.0.1:1/nsaddr")));
        assertTrue(rootMessage(both).contains("set exactly one of hakit.rocket.name-servers"), rootMessage(both));
        BeanCreationException off = assertThrows(BeanCreationException.class, () -> context(Map.of(
                "hakit.rocket.name-servers", cluster.nameServerAddress(),
                "hakit.rocket.health-check.enabled", "false")));
        assertTrue(rootMessage(off).contains("invalid hakit.rocket.health-check.enabled='false'"), rootMessage(off));
        BeanCreationException bad = assertThrows(BeanCreationException.class, () -> context(Map.of(
                "hakit.rocket.name-servers", "127.0.0.1:99999")));
        assertTrue(rootMessage(bad).contains("127.0.0.1:99999"), rootMessage(bad));
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage();
    }
}
