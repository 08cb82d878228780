package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.MessageProperties;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rabbit.RabbitClusterExtension;
import io.github.hakit.testkit.rabbit.RabbitNode;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(RabbitClusterExtension.class)
class ConsumerFailoverIT {
    private static final Logger log = LoggerFactory.getLogger(ConsumerFailoverIT.class);

    @Test
    void consumerKeepsConsumingAcrossTheDeathOfTheQueueLeaderAndDropsDuplicates(RabbitTestCluster cluster)
            throws Exception {
        String queue = RabbitITSupport.uniqueQueue("consumer");
        try (RabbitCluster rabbit = RabbitITSupport.clientFor(cluster).build()) {
            rabbit.declareQuorumQueue(queue);
            cluster.awaitQuorumMembersOnline(Duration.ofSeconds(30));
            String leaderName = rabbit.management().orElseThrow().queueLeader("/", queue).orElseThrow();
            RabbitNode leader = cluster.node(leaderName);

            Set<String> ids = ConcurrentHashMap.newKeySet();
            DeduplicatingHandler dedup = new DeduplicatingHandler(10_000,
                    d -> ids.add(d.getProperties().getMessageId()));
            try (ReliablePublisher publisher = rabbit.publisher(PublisherConfig.ofDefaults());
                    ResilientConsumer consumer = rabbit.consume(queue, 50, dedup)) {
                publishAll(publisher, queue, 0, 1000);
                Await.until(Duration.ofSeconds(30), () -> ids.size() == 1000, () -> ids.size() + " of 1000");
                log.info("leader {} consumer on {}; killing the leader", leaderName, consumer.currentEndpoint());
                long t0 = System.nanoTime();
                leader.kill();
                publishAll(publisher, queue, 1000, 2000);
                Await.until(Duration.ofSeconds(60), () -> ids.size() == 2000, () -> ids.size() + " of 2000");
                String newLeader = rabbit.management().orElseThrow().queueLeader("/", queue).orElse("?");
                log.info("RESULT consumer got all 2000 ids {} ms after the leader {} died (new leader {}); duplicates "
                                + "dropped {}, resubscriptions {}", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                        leaderName, newLeader, dedup.duplicates(), consumer.resubscriptions());
                assertEquals(2000, ids.size());
                assertTrue(consumer.handled() >= 2000 - dedup.duplicates());
            }
            cluster.heal(Duration.ofSeconds(120));
            rabbit.withChannel(ch -> ch.queueDelete(queue));
        }
    }

    @Test
    void leaderAwarePublisherConnectsToTheQueueLeader(RabbitTestCluster cluster) throws Exception {
        String queue = RabbitITSupport.uniqueQueue("leader");
        try (RabbitCluster rabbit = RabbitITSupport.clientFor(cluster).build()) {
            rabbit.declareQuorumQueue(queue);
            String leaderName = rabbit.management().orElseThrow().queueLeader("/", queue).orElseThrow();
            RabbitNode leader = cluster.node(leaderName);
            for (int i = 0; i < 3; i++) {
                try (ReliablePublisher publisher = rabbit.publisher(PublisherConfig.builder().leaderOf(queue).build())) {
                    assertEquals(leader.amqpAddress(), publisher.currentEndpoint().orElseThrow());
                    PublishResult r = publisher.publish("", queue, MessageProperties.PERSISTENT_BASIC,
                            "x".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
                    assertEquals(leader.amqpAddress(), r.endpoint());
                }
            }
            rabbit.withChannel(ch -> ch.queueDelete(queue));
        }
    }

    // the leader-aware publisher across the death of the leader's node: LeaderFollowIT

    @Test
    void unroutableMandatoryMessageFailsItsFutureWithTheReturn(RabbitTestCluster cluster) throws Exception {
        try (RabbitCluster rabbit = RabbitITSupport.clientFor(cluster).build();
                ReliablePublisher publisher = rabbit.publisher(PublisherConfig.ofDefaults())) {
            CompletableFuture<PublishResult> f = publisher.publish("", RabbitITSupport.uniqueQueue("nowhere"),
                    MessageProperties.PERSISTENT_BASIC, "x".getBytes(StandardCharsets.UTF_8));
            Throwable error = f.handle((r, e) -> e).get(10, TimeUnit.SECONDS);
            assertTrue(error instanceof MessageReturnedException, String.valueOf(error));
            assertEquals(312, ((MessageReturnedException) error).replyCode());
            assertEquals(0, publisher.stats().confirmed());
        }
    }

    private static void publishAll(ReliablePublisher publisher, String queue, int from, int to) throws Exception {
        List<CompletableFuture<PublishResult>> futures = new ArrayList<>();
        for (int i = from; i < to; i++) {
            futures.add(publisher.publish("", queue, MessageProperties.PERSISTENT_BASIC,
                    ("m" + i).getBytes(StandardCharsets.UTF_8)));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

}
