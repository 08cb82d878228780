package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Async and one-way sends get the same routing around failures; a message the broker rejects fails once. */
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class HaProducerModesIT {
    private static final Logger log = LoggerFactory.getLogger(HaProducerModesIT.class);

    @Test
    void asyncSendsRouteAroundAKilledMasterWithoutCallerFailures(RocketTestCluster cluster) throws Exception {
        String topic = "async-failover";
        cluster.createTopic(topic, 4, false);
        int total = 6_000;
        try (NameServerGroup group = NameServerFailoverIT.group(cluster, topic);
             HaProducer producer = NameServerFailoverIT.producer(group, topic + "-producer")) {
            Traffic.warmUp(producer, topic, Set.of("broker-a", "broker-b"), 20);
            Semaphore window = new Semaphore(64);
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            List<CompletableFuture<SendResult>> futures = new CopyOnWriteArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < total; i++) {
                if (i == total / 4) {
                    cluster.kill(cluster.master("broker-a"));
                }
                window.acquire();
                CompletableFuture<SendResult> f = producer.sendAsync(
                        new Message(topic, ("a" + i).getBytes(StandardCharsets.UTF_8)));
                f.whenComplete((r, e) -> {
                    window.release();
                    if (e != null) {
                        failures.add(e);
                    }
                });
                futures.add(f);
            }
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).handle((r, e) -> null)
                    .get(60, TimeUnit.SECONDS);
            long ok = futures.stream().filter(f -> !f.isCompletedExceptionally()
                    && f.join().getSendStatus() == SendStatus.SEND_OK).count();
            log.info("{}: {} async sends in {} ms, {} caller failures, {} failed attempts", topic, total,
                    (System.nanoTime() - t0) / 1_000_000, failures.size(), producer.stats().failedAttempts());
            assertEquals(List.of(), failures, "caller-visible failures");
            assertEquals(total, ok);
            assertTrue(producer.stats().failedAttempts() > 0, "the kill was noticed by some attempt");
        }
    }

    @Test
    void onewaySendsArriveAndARejectedMessageFailsAfterOneAttempt(RocketTestCluster cluster) throws Exception {
        String topic = "oneway";
        cluster.createTopic(topic, 2, false);
        try (NameServerGroup group = NameServerFailoverIT.group(cluster, topic);
             HaProducer producer = NameServerFailoverIT.producer(group, topic + "-producer")) {
            Set<String> received = ConcurrentHashMap.newKeySet();
            HaConsumer<DefaultMQPushConsumer> consumer = TestConsumers.collecting(topic + "-consumer", group, topic,
                    received, m -> new String(m.getBody(), StandardCharsets.UTF_8));
            try (consumer) {
                consumer.start();
                for (int i = 0; i < 200; i++) {
                    producer.sendOneway(new Message(topic, ("o" + i).getBytes(StandardCharsets.UTF_8)));
                }
                Await.until(Duration.ofSeconds(60), () -> received.size() == 200, () -> received.size() + " of 200");
            }

            // over the client's maxMessageSize (4 MiB): rejected before it leaves, never retried
            RocketSendException e = assertThrows(RocketSendException.class,
                    () -> producer.send(new Message(topic, new byte[5 * 1024 * 1024])));
            assertEquals(SendFailureKind.REJECTED, e.kind(), e.getMessage());
            assertEquals(1, e.attempts().size(), e.getMessage());
        }
    }
}
