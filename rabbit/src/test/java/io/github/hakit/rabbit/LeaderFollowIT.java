package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rabbit.RabbitClusterExtension;
import io.github.hakit.testkit.rabbit.RabbitNode;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * issue 13, "follow the leader when the leader dies": {@code kill -9} of the node that holds both the publisher and
 * the quorum queue's leader, while messages flow at a steady rate. The publisher must be on the new leader at most
 * 1 s after the election completes (first seen by a 25 ms poll of the management API of the surviving nodes), switch
 * nodes at most twice (reconnect + move to the leader: no churn), re-send at most what was in flight, lose nothing.
 */
@ExtendWith(RabbitClusterExtension.class)
class LeaderFollowIT {
    private static final Logger log = LoggerFactory.getLogger(LeaderFollowIT.class);
    private static final int RATE_PER_SECOND = 1_000;
    private static final int MAX_IN_FLIGHT = 1_000;

    @Test
    void publisherIsOnTheNewLeaderWithinASecondOfTheElectionWithoutChurnAndLosesNothing(RabbitTestCluster cluster)
            throws Exception {
        String queue = RabbitITSupport.uniqueQueue("leader-follow");
        try (RabbitCluster rabbit = RabbitITSupport.clientFor(cluster).build()) {
            rabbit.declareQuorumQueue(queue);
            cluster.awaitQuorumMembersOnline(Duration.ofSeconds(60));
            RabbitManagement api = rabbit.management().orElseThrow();
            RabbitNode oldLeader = cluster.node(api.queueLeader("/", queue).orElseThrow());
            PublisherConfig config = PublisherConfig.builder().leaderOf(queue).maxInFlight(MAX_IN_FLIGHT)
                    .confirmDeadline(Duration.ofSeconds(60)).electionTimeout(Duration.ofSeconds(10)).build();
            Map<String, Long> firstConfirmAfterKill = new ConcurrentHashMap<>();
            AtomicLong killedAt = new AtomicLong();
            PacedProducer producer = null;
            try (ReliablePublisher publisher = rabbit.publisher(config)) {
                Await.until(Duration.ofSeconds(10), () -> publisher.currentEndpoint()
                        .equals(Optional.of(oldLeader.amqpAddress())), () -> "publisher on the leader "
                        + oldLeader.amqpAddress() + ", is on " + publisher.currentEndpoint());
                producer = new PacedProducer(publisher, queue, RATE_PER_SECOND, r -> {
                    if (killedAt.get() != 0) {
                        firstConfirmAfterKill.putIfAbsent(r.endpoint(), System.nanoTime());
                    }
                });
                Await.until(Duration.ofSeconds(30), () -> publisher.stats().confirmed() >= 2 * RATE_PER_SECOND,
                        () -> publisher.stats() + " before the kill");

                // the surviving nodes' management API, polled every 25 ms: when does it name a new leader?
                List<String> survivors = cluster.nodes().stream().filter(n -> n != oldLeader)
                        .map(RabbitNode::managementUrl).toList();
                AtomicReference<String> newLeader = new AtomicReference<>();
                AtomicLong electedAt = new AtomicLong();
                AtomicLong onLeaderAt = new AtomicLong();
                try (RabbitManagement watch = new RabbitManagement(survivors, "guest", "guest",
                        Duration.ofSeconds(2))) {
                    long switchesBefore = publisher.stats().recoveries();
                    long resentBefore = publisher.stats().resent();
                    killedAt.set(System.nanoTime());
                    oldLeader.kill();
                    Await.until(Duration.ofSeconds(30), () -> {
                        if (electedAt.get() == 0) {
                            try {
                                Optional<String> l = watch.queueLeader("/", queue);
                                if (l.isPresent() && !l.get().equals(oldLeader.nodeName())) {
                                    newLeader.set(cluster.node(l.get()).amqpAddress());
                                    electedAt.set(System.nanoTime());
                                }
                            } catch (java.io.IOException e) {
                                return false;
                            }
                        }
                        String target = newLeader.get();
                        if (target != null && onLeaderAt.get() == 0 && firstConfirmAfterKill.containsKey(target)
                                && publisher.currentEndpoint().equals(Optional.of(target))) {
                            onLeaderAt.set(Math.max(firstConfirmAfterKill.get(target), electedAt.get()));
                        }
                        if (onLeaderAt.get() == 0) {
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(25));
                        }
                        return onLeaderAt.get() != 0;
                    }, () -> "publisher on the new leader " + newLeader.get() + "; is on "
                            + publisher.currentEndpoint() + ", " + publisher.stats());
                    // keep publishing a moment on the new leader, then stop and count
                    long confirmedNow = publisher.stats().confirmed();
                    Await.until(Duration.ofSeconds(30), () -> publisher.stats().confirmed() >= confirmedNow
                            + RATE_PER_SECOND, () -> publisher.stats() + " after the move");
                    PacedProducer.Outcome outcome = producer.stopAndAwait(Duration.ofSeconds(60));
                    long failed = outcome.failed();
                    Set<String> ids = outcome.confirmed();
                    ReliablePublisher.Stats stats = publisher.stats();
                    long switches = stats.recoveries() - switchesBefore;
                    long resent = stats.resent() - resentBefore;
                    long killToElection = TimeUnit.NANOSECONDS.toMillis(electedAt.get() - killedAt.get());
                    long electionToLeader = TimeUnit.NANOSECONDS.toMillis(onLeaderAt.get() - electedAt.get());
                    long killToFirstConfirm = TimeUnit.NANOSECONDS.toMillis(firstConfirmAfterKill.values().stream()
                            .mapToLong(Long::longValue).min().orElseThrow() - killedAt.get());

                    // every confirmed id is in the queue
                    Set<String> consumed = ConcurrentHashMap.newKeySet();
                    try (ResilientConsumer consumer = rabbit.consume(queue, 500,
                            d -> consumed.add(d.getProperties().getMessageId()))) {
                        Await.until(Duration.ofSeconds(60), () -> consumed.containsAll(ids),
                                () -> consumed.size() + " of " + ids.size() + " ids consumed");
                    }
                    log.info("RESULT leader follow: kill -9 of {} (publisher + leader) at {} msg/s; new leader {} "
                                    + "seen by the management API {} ms after the kill; publisher confirmed on it {} ms "
                                    + "after that; first confirm after the kill {} ms; node switches {}; re-sent {}; "
                                    + "nacked {}; {} published, {} failed, {} ids consumed; {}", oldLeader.nodeName(),
                            RATE_PER_SECOND, newLeader.get(), killToElection, electionToLeader, killToFirstConfirm,
                            switches, resent, stats.nacked(), outcome.published(), failed, consumed.size(), stats);
                    assertEquals(0, failed, "failed publishes");
                    assertEquals(outcome.published(), ids.size(), "every publish confirmed");
                    assertNotEquals(oldLeader.amqpAddress(), newLeader.get());
                    assertTrue(electionToLeader <= 1_000, "on the new leader " + electionToLeader
                            + " ms after the election (target <= 1 s)");
                    assertTrue(switches <= 2, "node switches: " + switches + " (reconnect + move at most)");
                    assertTrue(resent <= 2L * MAX_IN_FLIGHT, "re-sent " + resent);
                }
            } finally {
                if (producer != null) {
                    producer.close();
                }
            }
            cluster.heal(Duration.ofSeconds(120));
            rabbit.withChannel(ch -> ch.queueDelete(queue));
        }
    }
}
