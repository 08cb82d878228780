package io.github.hakit.springit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.rabbit.RabbitCluster;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rabbit.RabbitClusterExtension;
import io.github.hakit.testkit.rabbit.RabbitNode;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.actuate.health.HealthContributorRegistry;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A Spring Boot application written as Spring AMQP users write one — {@code RabbitTemplate} with correlated publisher
 * confirms and returns, the template's retry, its own confirm handling that re-sends what the broker nacked or
 * never confirmed, a {@code @RabbitListener} on a quorum queue — configured with {@code spring.rabbitmq.addresses}
 * only. hakit is on the class path and nothing else: no hakit API in the code. The node the application's
 * connection is on (and the queue's leader, placed by the declaring connection) is killed with {@code kill -9}
 * mid-stream; every message must arrive.
 */
@SpringBootTest(classes = SpringAmqpFailoverIT.App.class, properties = {
    "spring.rabbitmq.publisher-confirm-type=correlated",
    "spring.rabbitmq.publisher-returns=true",
    "spring.rabbitmq.template.mandatory=true",
    "spring.rabbitmq.template.retry.enabled=true",
    "spring.rabbitmq.template.retry.max-attempts=20",
    "spring.rabbitmq.template.retry.initial-interval=100ms",
    "spring.rabbitmq.template.retry.max-interval=1s",
    "spring.rabbitmq.listener.simple.prefetch=50"
})
@ExtendWith(RabbitClusterExtension.class)
class SpringAmqpFailoverIT {
    private static final Logger log = LoggerFactory.getLogger(SpringAmqpFailoverIT.class);
    private static final String QUEUE = "hakit-spring-amqp-" + UUID.randomUUID();
    private static final int MESSAGES = 3_000;
    private static RabbitTestCluster cluster;

    @BeforeAll
    static void cluster(RabbitTestCluster c) {
        cluster = c;
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("spring.rabbitmq.addresses", () -> cluster.amqpAddresses());
        r.add("test.queue", () -> QUEUE);
    }

    @Autowired
    RabbitTemplate template;
    @Autowired
    CachingConnectionFactory connectionFactory;
    @Autowired
    Receiver receiver;
    @Autowired
    RabbitCluster hakit;
    @Autowired
    HealthContributorRegistry health;

    @Test
    void templateAndListenerLoseNothingThroughAKill9OfTheirNode() throws Exception {
        Await.until(Duration.ofSeconds(20), () -> hakit.status().available() == 3, () -> hakit.status().render());
        Connection connection = connectionFactory.createConnection();
        int port = connection.getDelegate().getPort();
        RabbitNode victim = cluster.nodeByAmqpPort(port).orElseThrow();

        // the application's own confirm handling, as Spring AMQP documents it: a CorrelationData per message,
        // re-send on nack (a closed channel nacks what it had pending) and for confirms that never came
        Map<String, Long> unconfirmed = new ConcurrentHashMap<>();
        LinkedBlockingQueue<String> resend = new LinkedBlockingQueue<>();
        AtomicInteger nacks = new AtomicInteger();
        AtomicInteger returned = new AtomicInteger();
        AtomicLong firstAckAfterKill = new AtomicLong();
        AtomicLong killedAt = new AtomicLong();
        template.setReturnsCallback(r -> returned.incrementAndGet());

        List<String> sent = new ArrayList<>();
        int sends = 0;
        for (int i = 0; i < MESSAGES || !unconfirmed.isEmpty(); ) {
            String id;
            String retry = i < MESSAGES ? resend.poll() : resend.poll(20, TimeUnit.MILLISECONDS);
            if (retry != null) {
                id = retry;
            } else if (i < MESSAGES) {
                id = "m-" + i++;
                sent.add(id);
            } else {
                long now = System.nanoTime();
                unconfirmed.forEach((k, at) -> {
                    if (now - at > Duration.ofSeconds(10).toNanos() && unconfirmed.remove(k, at)) {
                        resend.add(k); // never confirmed: send again (at-least-once)
                    }
                });
                continue;
            }
            if (i == MESSAGES / 3 && killedAt.get() == 0 && retry == null) {
                log.info("kill -9 of {} (the application's connection and the queue leader)", victim);
                killedAt.set(System.nanoTime());
                victim.kill();
            }
            CorrelationData cd = new CorrelationData(id);
            unconfirmed.put(id, System.nanoTime());
            cd.getFuture().whenComplete((confirm, error) -> {
                if (error == null && confirm.isAck() && cd.getReturned() == null) {
                    unconfirmed.remove(id);
                    if (killedAt.get() != 0) {
                        firstAckAfterKill.compareAndSet(0, System.nanoTime());
                    }
                } else {
                    nacks.incrementAndGet();
                    unconfirmed.remove(id);
                    resend.add(id);
                }
            });
            template.convertAndSend("", QUEUE, id, cd);
            sends++;
        }

        Await.until(Duration.ofSeconds(60), () -> receiver.received.containsAll(sent),
                () -> "received " + receiver.received.size() + " of " + sent.size());
        Set<String> lost = ConcurrentHashMap.newKeySet();
        sent.stream().filter(id -> !receiver.received.contains(id)).forEach(lost::add);
        long failoverMs = (firstAckAfterKill.get() - killedAt.get()) / 1_000_000;
        log.info("sent {} messages with {} sends ({} nacked and re-sent, {} returned); received {} deliveries of {} "
                        + "distinct messages; lost {}; first confirm {} ms after the kill", sent.size(), sends,
                nacks.get(), returned.get(), receiver.deliveries.get(), receiver.received.size(), lost.size(),
                failoverMs);
        assertEquals(Set.of(), lost);
        assertEquals(0, returned.get(), "nothing unroutable");

        // the application's connection moved to another node through hakit's resolver
        int after = connectionFactory.createConnection().getDelegate().getPort();
        assertNotEquals(port, after);
        // hakit saw the node go and kept the others
        Await.until(Duration.ofSeconds(10), () -> hakit.status().available() == 2, () -> hakit.status().render());
    }

    @Test
    void springBootsRabbitHealthStaysAndHakitsIsBesideIt() {
        assertTrue(health.getContributor("rabbit") instanceof HealthIndicator, "Spring Boot's own rabbit indicator");
        HealthIndicator hakitHealth = (HealthIndicator) health.getContributor("hakitRabbit");
        Await.until(Duration.ofSeconds(20), () -> hakitHealth.health().getStatus().equals(Status.UP),
                () -> String.valueOf(hakitHealth.health()));
        Map<String, Object> details = hakitHealth.health().getDetails();
        assertEquals(true, details.get("required"));
        Map<?, ?> nodes = (Map<?, ?>) details.get("nodes");
        assertEquals(3, nodes.size());
        Map<?, ?> node = (Map<?, ?>) nodes.values().iterator().next();
        assertTrue(node.keySet().containsAll(List.of("address", "state", "checkStatus", "fails", "weight", "lastChange")),
                node.keySet().toString());
        assertEquals(Status.UP, ((HealthIndicator) health.getContributor("rabbit")).health().getStatus());
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        Queue queue(@Value("${test.queue}") String name) {
            return QueueBuilder.durable(name).quorum().build();
        }

        @Bean
        Receiver receiver() {
            return new Receiver();
        }
    }

    static class Receiver {
        final Set<String> received = ConcurrentHashMap.newKeySet();
        final AtomicInteger deliveries = new AtomicInteger();

        @RabbitListener(queues = "${test.queue}")
        void onMessage(String id) {
            deliveries.incrementAndGet();
            received.add(id);
        }
    }
}
