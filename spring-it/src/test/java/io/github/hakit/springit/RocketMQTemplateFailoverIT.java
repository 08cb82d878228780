package io.github.hakit.springit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.rocket.NameServerGroup;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketNode;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.spring.annotation.RocketMQMessageListener;
import org.apache.rocketmq.spring.core.RocketMQListener;
import org.apache.rocketmq.spring.core.RocketMQTemplate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.annotation.Autowired;
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
 * A Spring Boot application written as rocketmq-spring users write one — {@code RocketMQTemplate.syncSend} from a few
 * threads and a {@code @RocketMQMessageListener} — configured with {@code rocketmq.name-server} and
 * {@code rocketmq.producer.group} only; hakit-rocket is on the class path, no hakit API in the code. broker-a's master
 * is killed with {@code kill -9} mid-stream: no send may fail for the caller, and after the master is back every
 * message reaches the listener.
 */
@SpringBootTest(classes = RocketMQTemplateFailoverIT.App.class, properties = {
    "rocketmq.producer.group=spring-it-producer",
    "rocketmq.producer.send-message-timeout=5000",
    "spring.autoconfigure.exclude=org.springframework.boot.autoconfigure.amqp.RabbitAutoConfiguration",
    "hakit.rabbit.enabled=false"
})
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class RocketMQTemplateFailoverIT {
    private static final Logger log = LoggerFactory.getLogger(RocketMQTemplateFailoverIT.class);
    static final String TOPIC = "spring-template-failover";
    private static final int MESSAGES = 4_000;
    private static final int THREADS = 4;
    private static RocketTestCluster cluster;

    @BeforeAll
    static void cluster(RocketTestCluster c) {
        cluster = c;
        c.createTopic(TOPIC, 4, false);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("rocketmq.name-server", () -> cluster.nameServerAddress());
    }

    @Autowired
    RocketMQTemplate template;
    @Autowired
    Listener listener;
    @Autowired
    NameServerGroup nameServers;
    @Autowired
    HealthContributorRegistry health;

    @Test
    void templateSendsLoopThroughAMasterKill9WithNoCallerFailure() throws Exception {
        assertTrue(AopUtils.isAopProxy(template.getProducer()), "the template's producer sends through hakit");
        assertEquals(cluster.nameServerAddresses(),
                nameServers.upstream().endpoints().stream().map(e -> e.address()).toList(),
                "the NameServer group comes from rocketmq.name-server");
        // the listener's consumer is registered with the brokers before the measured traffic starts
        Await.until(Duration.ofSeconds(60), () -> {
            template.syncSend(TOPIC, "warm-up");
            return listener.received.contains("warm-up");
        }, () -> "the listener got no warm-up message");

        RocketNode master = cluster.master("broker-a");
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Set<String> acked = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        AtomicLong maxLatency = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread w = new Thread(() -> {
                int n;
                while ((n = next.getAndIncrement()) < MESSAGES) {
                    if (n == MESSAGES / 4) {
                        log.info("kill -9 of broker-a's master {}", master);
                        cluster.kill(master);
                    }
                    String id = "m-" + n;
                    long t0 = System.nanoTime();
                    try {
                        SendResult r = template.syncSend(TOPIC, id);
                        if (r.getSendStatus() == SendStatus.SEND_OK) {
                            acked.add(id);
                        } else {
                            failures.add(new IllegalStateException(id + ": " + r.getSendStatus()));
                        }
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                    maxLatency.accumulateAndGet(System.nanoTime() - t0, Math::max);
                }
            }, "spring-it-sender-" + t);
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            w.join(Duration.ofMinutes(3).toMillis());
        }
        log.info("RocketMQTemplate: {} sends, {} caller failures, max send latency {} ms",
                MESSAGES, failures.size(), maxLatency.get() / 1_000_000);
        assertEquals(List.of(), failures, "caller-visible failures");
        assertEquals(MESSAGES, acked.size());

        // every acknowledged message reaches the @RocketMQMessageListener (messages only on the dead master
        // arrive once it is back: async replication)
        Duration restart = cluster.restart(master);
        Await.until(Duration.ofSeconds(120), () -> listener.received.containsAll(acked),
                () -> "listener got " + acked.stream().filter(listener.received::contains).count() + " of "
                        + acked.size() + " (master restarted in " + restart.toMillis() + " ms)");

        HealthIndicator hakitRocket = (HealthIndicator) health.getContributor("hakitRocket");
        Await.until(Duration.ofSeconds(30), () -> hakitRocket.health().getStatus().equals(Status.UP),
                () -> String.valueOf(hakitRocket.health()));
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        Listener listener() {
            return new Listener();
        }
    }

    @RocketMQMessageListener(topic = TOPIC, consumerGroup = "spring-it-consumer")
    static class Listener implements RocketMQListener<String> {
        final Set<String> received = ConcurrentHashMap.newKeySet();

        @Override
        public void onMessage(String message) {
            received.add(message);
        }
    }
}
