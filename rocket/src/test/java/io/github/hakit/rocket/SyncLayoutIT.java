package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code 2m-2s-sync}: broker-a's master is killed mid-stream, without waiting for anything; a consumer
 * running throughout still receives every message any broker acknowledged — broker-a's from its slave.
 */
@Order(Order.DEFAULT + 1_000)
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_SYNC, nameServers = 2)
class SyncLayoutIT {
    private static final Logger log = LoggerFactory.getLogger(SyncLayoutIT.class);
    static final int MESSAGES = Integer.getInteger("hakit.it.syncMessages", 6_000);

    @Test
    void noAcknowledgedMessageIsLostWhenASyncMasterDiesMidStream(RocketTestCluster cluster) throws Exception {
        String topic = "sync-loss";
        cluster.createTopic(topic, 2);
        try (NameServerGroup group = NameServerFailoverIT.group(cluster, topic);
             HaProducer producer = NameServerFailoverIT.producer(group, topic + "-producer")) {
            Set<String> received = ConcurrentHashMap.newKeySet();
            HaConsumer<DefaultMQPushConsumer> consumer = TestConsumers.collecting(topic + "-consumer", group, topic,
                    received, m -> m.getKeys());
            try (consumer) {
                consumer.start();
                Traffic.warmUp(producer, topic, Set.of("broker-a", "broker-b"), 20);
                Traffic traffic = new Traffic().run(producer, topic, topic, MESSAGES, NameServerFailoverIT.THREADS,
                        MESSAGES / 3, n -> cluster.kill(cluster.master("broker-a")));
                Map<String, Long> statuses = traffic.acks.stream()
                        .collect(Collectors.groupingBy(a -> a.broker() + ":" + a.status(), Collectors.counting()));
                long ackedByA = traffic.ackedKeys.values().stream().filter("broker-a"::equals).count();
                log.info("{}: {} sends at {}/s, {} caller failures, {} failed attempts, statuses {}", topic,
                        traffic.acks.size(), (long) traffic.ratePerSecond(), traffic.failures.size(),
                        producer.stats().failedAttempts(), statuses);
                assertEquals(List.of(), traffic.failures, "caller-visible failures");
                long t0 = System.nanoTime();
                assertTrue(ackedByA > 0, "broker-a acknowledged nothing before its master died: " + statuses);
                Await.until(Duration.ofSeconds(90), () -> traffic.ackedKeys.keySet().stream()
                                .allMatch(n -> received.contains(topic + "-" + n)),
                        () -> missing(traffic, received, topic).size() + " acknowledged messages not received yet: "
                                + missing(traffic, received, topic));
                log.info("{}: all {} acknowledged messages received ({} acknowledged by broker-a, whose master died; "
                                + "last ones read from its slave) {} ms after the stream ended", topic,
                        traffic.ackedKeys.size(), ackedByA, (System.nanoTime() - t0) / 1_000_000);
                assertEquals(Set.of(), missing(traffic, received, topic), "lost acknowledged messages");
            }
        }
    }

    private static Set<String> missing(Traffic traffic, Set<String> received, String topic) {
        return traffic.ackedKeys.entrySet().stream().filter(e -> !received.contains(topic + "-" + e.getKey()))
                .map(e -> e.getKey() + "@" + e.getValue()).collect(Collectors.toCollection(TreeSet::new));
    }
}
