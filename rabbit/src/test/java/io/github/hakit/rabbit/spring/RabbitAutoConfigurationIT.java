package io.github.hakit.rabbit.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.MessageProperties;
import io.github.hakit.rabbit.PublishResult;
import io.github.hakit.rabbit.RabbitCluster;
import io.github.hakit.rabbit.ReliablePublisher;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rabbit.RabbitClusterExtension;
import io.github.hakit.testkit.rabbit.RabbitNode;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;

/** The auto-configuration in a plain Spring context with {@code hakit.rabbit.*} properties. */
@ExtendWith(RabbitClusterExtension.class)
class RabbitAutoConfigurationIT {
    private static AnnotationConfigApplicationContext context(Map<String, Object> properties) {
        AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext();
        ctx.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test", properties));
        ctx.register(HakitRabbitAutoConfiguration.class, HakitRabbitObservabilityAutoConfiguration.class);
        ctx.refresh();
        return ctx;
    }

    @Test
    void nothingWithoutAddresses() {
        try (AnnotationConfigApplicationContext ctx = context(Map.of())) {
            assertFalse(ctx.containsBean("rabbitCluster"));
        }
    }

    @Test
    void aTypoStopsTheApplicationInsteadOfSwitchingHakitOff() {
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> context(Map.of("hakit.rabbit.address", "10.0.0.1:5672")).close());
        Throwable t = e;
        while (t.getCause() != null && !(t instanceof org.springframework.boot.context.properties.bind.BindException)) {
            t = t.getCause();
        }
        assertTrue(t instanceof org.springframework.boot.context.properties.bind.BindException, String.valueOf(e));
        assertTrue(String.valueOf(t.getCause()).contains("hakit.rabbit.address"), String.valueOf(t.getCause()));
    }

    @Test
    void offWithEnabledFalse() {
        try (AnnotationConfigApplicationContext ctx = context(Map.of("hakit.rabbit.enabled", "false",
                "hakit.rabbit.addresses", "127.0.0.1:5672"))) {
            assertFalse(ctx.containsBean("rabbitCluster"));
        }
    }

    @Test
    void propertiesBuildAClusterPublisherHealthAndMeters(RabbitTestCluster cluster) throws Exception {
        String queue = "hakit-spring-" + UUID.randomUUID();
        try (AnnotationConfigApplicationContext ctx = context(Map.of(
                "hakit.rabbit.addresses", cluster.amqpAddresses(),
                "hakit.rabbit.management-urls", cluster.nodes().stream().map(RabbitNode::managementUrl)
                        .collect(Collectors.joining(",")),
                "hakit.rabbit.health-check.inter", "500ms",
                "hakit.rabbit.publisher.enabled", "true",
                "hakit.rabbit.publisher.confirm-deadline", "20s"))) {
            RabbitCluster rabbit = ctx.getBean(RabbitCluster.class);
            assertEquals(3, rabbit.upstream().endpoints().size());
            rabbit.declareQuorumQueue(queue);
            PublishResult r = ctx.getBean(ReliablePublisher.class).publish("", queue,
                    MessageProperties.PERSISTENT_BASIC, "spring".getBytes(StandardCharsets.UTF_8))
                    .get(20, TimeUnit.SECONDS);
            assertTrue(r.messageId().length() > 0);

            HealthIndicator health = ctx.getBean("hakitRabbitHealthIndicator", HealthIndicator.class);
            Await.until(Duration.ofSeconds(10), () -> health.health().getStatus().equals(Status.UP),
                    () -> String.valueOf(health.health()));
            assertEquals(3, ((Map<?, ?>) health.health().getDetails().get("cluster")).size());
            assertTrue(ctx.getBean("hakitRabbitUpstream") instanceof io.github.hakit.core.spring.HakitUpstream);
            rabbit.withChannel(ch -> ch.queueDelete(queue));
        }
    }
}
