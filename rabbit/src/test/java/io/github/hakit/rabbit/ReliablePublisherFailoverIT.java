package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(RabbitClusterExtension.class)
class ReliablePublisherFailoverIT {
    private static final Logger log = LoggerFactory.getLogger(ReliablePublisherFailoverIT.class);
    private static final int MESSAGES = 100_000;
    private static final int KILL_AT = 30_000;

    @Test
    void killingThePublishersNodeMidStreamLosesNoMessageAndFailsOverWithinTwoSeconds(RabbitTestCluster cluster)
            throws Exception {
        String queue = RabbitITSupport.uniqueQueue("failover");
        try (RabbitCluster rabbit = RabbitITSupport.clientFor(cluster).build()) {
            rabbit.declareQuorumQueue(queue);
            cluster.awaitQuorumMembersOnline(Duration.ofSeconds(30));

            Map<String, Integer> consumed = new ConcurrentHashMap<>();
            LongAdder deliveries = new LongAdder();
            try (ReliablePublisher publisher = rabbit.publisher(PublisherConfig.builder()
                    .maxInFlight(5_000).whenFull(PublisherConfig.WhenFull.BLOCK, Duration.ofSeconds(240))
                    .confirmDeadline(Duration.ofSeconds(240)).build());
                    ResilientConsumer consumer = rabbit.consume(queue, 500, d -> {
                        deliveries.increment();
                        consumed.merge(d.getProperties().getMessageId(), 1, Integer::sum);
                    })) {
                String publisherEndpoint = publisher.currentEndpoint().orElseThrow();
                RabbitNode victim = RabbitITSupport.node(cluster, rabbit, publisherEndpoint);
                log.info("publisher on {} ({}), consumer on {}", publisherEndpoint, victim.nodeName(),
                        consumer.currentEndpoint().orElse("?"));

                AtomicLong killedAt = new AtomicLong();
                AtomicLong firstConfirmAfterKill = new AtomicLong();
                AtomicReference<String> failoverEndpoint = new AtomicReference<>();
                CountDownLatch killed = new CountDownLatch(1);
                List<CompletableFuture<PublishResult>> futures = new ArrayList<>(MESSAGES);
                Thread killer = null;
                long t0 = System.nanoTime();
                for (int i = 0; i < MESSAGES; i++) {
                    if (i == KILL_AT) {
                        killer = new Thread(() -> {
                            killedAt.set(System.nanoTime());
                            victim.kill();
                            killed.countDown();
                        }, "killer");
                        killer.start();
                    }
                    byte[] body = ("message " + i).getBytes(StandardCharsets.UTF_8);
                    CompletableFuture<PublishResult> f = publisher.publish("", queue,
                            MessageProperties.PERSISTENT_BASIC, body);
                    f.thenAccept(r -> {
                        long now = System.nanoTime();
                        if (killedAt.get() != 0 && !r.endpoint().equals(publisherEndpoint)
                                && firstConfirmAfterKill.compareAndSet(0, now)) {
                            failoverEndpoint.set(r.endpoint());
                        }
                    });
                    futures.add(f);
                }
                assertTrue(killed.await(60, TimeUnit.SECONDS), "victim killed");
                int failed = 0;
                Throwable firstError = null;
                for (CompletableFuture<PublishResult> f : futures) {
                    try {
                        f.get(300, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        failed++;
                        if (firstError == null) {
                            firstError = e.getCause();
                        }
                    }
                }
                long publishMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                Throwable first = firstError;
                assertEquals(0, failed, () -> "futures failed; first: " + first);
                assertTrue(firstConfirmAfterKill.get() != 0, "a confirm came from another node after the kill");
                long failoverMillis = TimeUnit.NANOSECONDS.toMillis(firstConfirmAfterKill.get() - killedAt.get());
                assertNotEquals(publisherEndpoint, failoverEndpoint.get());

                Await.until(Duration.ofSeconds(180), () -> consumed.size() == MESSAGES,
                        () -> consumed.size() + " of " + MESSAGES + " message ids consumed");
                long duplicates = deliveries.sum() - consumed.size();
                ReliablePublisher.Stats stats = publisher.stats();
                log.info("RESULT publish+confirm of {} msgs with kill -9 of {} at #{}: {} ms ({} msg/s); failover "
                                + "(kill -> first confirm on {}): {} ms; lost 0; duplicates consumed {}; re-sent {}; {}",
                        MESSAGES, victim.nodeName(), KILL_AT, publishMillis, MESSAGES * 1000L / publishMillis,
                        failoverEndpoint.get(), failoverMillis, duplicates, stats.resent(), stats);
                assertEquals(MESSAGES, consumed.size(), "every message id consumed at least once");
                assertEquals(MESSAGES, stats.confirmed());
                assertTrue(failoverMillis <= 2_000, "failover took " + failoverMillis + " ms");
            }
            cluster.heal(Duration.ofSeconds(120));
            rabbit.withChannel(ch -> ch.queueDelete(queue));
        }
    }

    @Test
    void wholeClusterDownFailsPublishesAfterTheDeadlineThenPublishingResumes(RabbitTestCluster cluster)
            throws Exception {
        String queue = RabbitITSupport.uniqueQueue("all-down");
        try (RabbitCluster rabbit = RabbitITSupport.clientFor(cluster).build()) {
            // a durable classic queue: RabbitMQ 3.10.8 brings a quorum queue declared seconds before a kill -9 of
            // every node back with empty Raft state (term 0, no leader, seen here with rabbitmq-queues
            // quorum_status), and such a queue never accepts messages again
            rabbit.withChannel(ch -> ch.queueDeclare(queue, true, false, false, Map.of()));
            try (ReliablePublisher publisher = rabbit.publisher(PublisherConfig.builder()
                    .confirmDeadline(Duration.ofSeconds(3)).confirmStall(Duration.ofSeconds(2)).build())) {
                publisher.publish("", queue, MessageProperties.PERSISTENT_BASIC, bytes("before")).get(10,
                        TimeUnit.SECONDS);

                for (RabbitNode node : cluster.nodes()) {
                    node.kill();
                }
                long t0 = System.nanoTime();
                List<CompletableFuture<PublishResult>> during = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    during.add(publisher.publish("", queue, MessageProperties.PERSISTENT_BASIC, bytes("during " + i)));
                }
                for (CompletableFuture<PublishResult> f : during) {
                    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                            () -> f.get(20, TimeUnit.SECONDS));
                    assertInstanceOf(PublishTimeoutException.class, e.getCause());
                    assertTrue(e.getCause().getMessage().contains("not confirmed within PT3S"),
                            e.getCause().getMessage());
                }
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                log.info("RESULT whole cluster down: 100 publishes failed after {} ms: {}", waited,
                        during.get(0).handle((r, e) -> e.getMessage()).join());
                assertTrue(waited >= 2_900, "failed only after the deadline: " + waited + " ms");
                assertEquals(1, publisher.stats().confirmed(), "nothing confirmed while the cluster was down");

                long healStart = System.nanoTime();
                cluster.heal(Duration.ofSeconds(180));
                // right after a full restart the queue may still elect its leader: a publish can miss its 3 s
                // deadline (it fails, it is never reported as confirmed); the application publishes again
                AtomicReference<PublishResult> after = new AtomicReference<>();
                AtomicLong timedOut = new AtomicLong();
                Await.until(Duration.ofSeconds(90), () -> {
                    try {
                        after.set(publisher.publish("", queue, MessageProperties.PERSISTENT_BASIC, bytes("after"))
                                .get(10, TimeUnit.SECONDS));
                        return true;
                    } catch (ExecutionException e) {
                        assertInstanceOf(PublishTimeoutException.class, e.getCause());
                        timedOut.incrementAndGet();
                        return false;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, () -> "a publish confirmed after the restart");
                log.info("RESULT cluster restarted; publishing resumed {} ms after the restart began (on {}, {} "
                                + "publish(es) timed out first)",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healStart), after.get().endpoint(),
                        timedOut.get());
                assertEquals(2, publisher.stats().confirmed());
                assertFalse(after.get().messageId().isEmpty());
            }
            rabbit.withChannel(ch -> ch.queueDelete(queue));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
