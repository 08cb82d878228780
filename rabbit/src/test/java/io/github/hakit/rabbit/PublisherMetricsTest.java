package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.rabbitmq.client.AMQP;
import io.github.hakit.core.testing.FakeClock;
import io.github.hakit.rabbit.spring.HakitRabbitAutoConfiguration;
import io.github.hakit.rabbit.spring.HakitRabbitObservabilityAutoConfiguration;
import io.github.resilience4j.core.IntervalFunction;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;

class PublisherMetricsTest {

    @Test
    void inFlightConfirmLatencyAndRepublishedFollowThePublisher() {
        FakeClock clock = new FakeClock();
        ReliablePublisherTest.FakeOpener opener = new ReliablePublisherTest.FakeOpener();
        ReliablePublisher publisher = new ReliablePublisher(PublisherConfig.builder().connectionName("orders").build(),
                clock, clock, opener, IntervalFunction.of(Duration.ofMillis(50)), e -> true, null);
        try {
            MeterRegistry registry = new SimpleMeterRegistry();
            new PublisherMetrics(publisher).bindTo(registry);
            for (int i = 0; i < 3; i++) {
                publisher.publish("", "q", new AMQP.BasicProperties.Builder().messageId("m" + i).build(),
                        new byte[0]);
            }
            assertEquals(3.0, registry.get("hakit.rabbit.publisher.in.flight").tag("publisher", "orders").gauge()
                    .value());
            clock.forward(Duration.ofMillis(40));
            opener.last().events.ack(1, false);
            Timer latency = registry.get("hakit.rabbit.publisher.confirm.latency").timer();
            assertEquals(1, latency.count());
            assertEquals(40.0, latency.totalTime(TimeUnit.MILLISECONDS), 0.001);
            assertEquals(2.0, registry.get("hakit.rabbit.publisher.in.flight").gauge().value());

            opener.last().events.lost(new IOException("node killed"), false);
            clock.runDue();
            assertEquals(2.0, registry.get("hakit.rabbit.publisher.republished").functionCounter().count());
            assertEquals(1.0, registry.get("hakit.rabbit.publisher.node.switches").functionCounter().count());
            assertEquals(3.0, registry.get("hakit.rabbit.publisher.published").functionCounter().count());
            assertEquals(1.0, registry.get("hakit.rabbit.publisher.confirmed").functionCounter().count());
        } finally {
            publisher.close(Duration.ZERO);
        }
    }

    @Test
    void springAutoConfigurationRegistersThePublisherMeters() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
        try (AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext()) {
            ctx.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test", Map.of(
                    "hakit.rabbit.addresses", "127.0.0.1:" + closedPort,
                    "hakit.rabbit.publisher.enabled", "true")));
            ctx.register(HakitRabbitAutoConfiguration.class, HakitRabbitObservabilityAutoConfiguration.class);
            ctx.refresh();
            MeterBinder binder = ctx.getBean("hakitRabbitPublisherMetrics", MeterBinder.class);
            MeterRegistry registry = new SimpleMeterRegistry();
            binder.bindTo(registry);
            assertNotNull(registry.find("hakit.rabbit.publisher.in.flight").tag("publisher", "hakit-publisher")
                    .gauge());
            assertNotNull(registry.find("hakit.rabbit.publisher.confirm.latency").timer());
            assertNotNull(registry.find("hakit.rabbit.publisher.republished").functionCounter());
        }
    }
}
