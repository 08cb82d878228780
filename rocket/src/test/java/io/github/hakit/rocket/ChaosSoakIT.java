package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.BlackHole;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketNode;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chaos soak on {@code 2m-2s-sync} (#14): a producer and a push consumer run while, every 10–20 s, a random node is
 * hurt — a master or slave killed ({@code kill -9}) or frozen (SIGSTOP), a NameServer killed, frozen or black-holed —
 * and brought back a few seconds later; one node at a time, so every broker group keeps a live node. Asserts that no
 * acknowledged message is lost; duplicates (at-least-once: a retried send whose first attempt was stored after all)
 * and caller failures (sends that failed within their deadline, e.g. while a frozen master held them) are counted and
 * reported as they are. 60 s in the normal build ({@code -Dhakit.soak.seconds}); {@code -Psoak} runs 10 minutes.
 */
@Order(Order.DEFAULT + 1_001)
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_SYNC, nameServers = 2)
class ChaosSoakIT {
    private static final Logger log = LoggerFactory.getLogger(ChaosSoakIT.class);
    static final long SECONDS = Long.getLong("hakit.soak.seconds", 60);
    static final long SEED = Long.getLong("hakit.soak.seed", System.nanoTime());
    static final int SENDERS = 2;

    @Test
    void noAcknowledgedMessageIsLostWhileNodesDieFreezeAndComeBack(RocketTestCluster cluster) throws Exception {
        String topic = "chaos";
        cluster.createTopic(topic, 2);
        SplittableRandom random = new SplittableRandom(SEED);
        Map<String, String> acked = new ConcurrentHashMap<>(); // key -> broker
        Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        // the stored copies of each key (broker, queue, offset): more than one = the producer stored it twice
        Map<String, java.util.Set<String>> copies = new ConcurrentHashMap<>();
        List<String> callerFailures = new CopyOnWriteArrayList<>();
        List<String> faults = new CopyOnWriteArrayList<>();
        AtomicLong worstSendNanos = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        LeakIT.cycle(cluster, topic, -1); // warms JVM-wide pools (netty's global event executor, class loading)
        LeakIT.Counts before = LeakIT.Counts.now();
        try (NameServerGroup group = NameServerFailoverIT.group(cluster, topic);
             HaProducer producer = NameServerFailoverIT.producer(group, topic + "-producer")) {
            HaConsumer<DefaultMQPushConsumer> consumer = HaConsumer.push(topic + "-consumer", group);
            consumer.client().setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
            consumer.client().subscribe(topic, "*");
            consumer.client().registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
                msgs.forEach(m -> {
                    received.computeIfAbsent(m.getKeys(), k -> new AtomicInteger()).incrementAndGet();
                    copies.computeIfAbsent(m.getKeys(), k -> ConcurrentHashMap.newKeySet())
                            .add(m.getBrokerName() + "/" + m.getQueueId() + "@" + m.getQueueOffset());
                });
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            try (consumer) {
                consumer.start();
                Traffic.warmUp(producer, topic, java.util.Set.of("broker-a", "broker-b"), 20);
                AtomicInteger next = new AtomicInteger();
                List<Thread> senders = new ArrayList<>();
                for (int t = 0; t < SENDERS; t++) {
                    Thread sender = new Thread(() -> {
                        while (!stop.get()) {
                            String key = "soak-" + next.getAndIncrement();
                            Message m = new Message(topic, key.getBytes(StandardCharsets.UTF_8));
                            m.setKeys(key);
                            long t0 = System.nanoTime();
                            try {
                                SendResult r = producer.send(m);
                                acked.put(key, r.getMessageQueue().getBrokerName());
                            } catch (RocketSendException e) {
                                callerFailures.add(key + ": " + e.kind() + " " + e.attempts());
                            }
                            worstSendNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                        }
                    }, "chaos-sender-" + t);
                    sender.start();
                    senders.add(sender);
                }
                long t0 = System.nanoTime();
                long end = t0 + Duration.ofSeconds(SECONDS).toNanos();
                try {
                    while (System.nanoTime() < end) {
                        // pacing of the fault injection (10-20 s apart), not a wait for a state
                        Thread.sleep(Math.min(10_000 + random.nextInt(10_001),
                                Math.max(0, (end - System.nanoTime()) / 1_000_000)));
                        if (System.nanoTime() >= end) {
                            break;
                        }
                        faults.add(hurtAndHeal(cluster, random, t0));
                    }
                } finally {
                    stop.set(true);
                    for (Thread s : senders) {
                        s.join(Duration.ofSeconds(30).toMillis());
                    }
                    cluster.heal();
                }
                long sendsEnded = System.nanoTime();
                // the consumer rebalances and catches up after the last restart; a frozen master's messages flow last
                Await.until(Duration.ofSeconds(120), () -> acked.keySet().stream().allMatch(received::containsKey),
                        () -> missing(acked, received).size() + " acknowledged messages not received yet: "
                                + missing(acked, received));
                // the warm-up's messages are not part of the count
                received.remove("warm-up");
                copies.remove("warm-up");
                long storedTwice = copies.values().stream().mapToLong(c -> c.size() - 1).sum();
                long duplicates = received.values().stream().mapToInt(AtomicInteger::get).filter(c -> c > 1)
                        .mapToLong(c -> c - 1).sum();
                long unacknowledgedReceived = received.keySet().stream().filter(k -> !acked.containsKey(k)).count();
                log.info("chaos soak (seed {}, {} s, load {}): {} sends acknowledged, {} lost, {} duplicates, {} caller "
                                + "failures, {} received without an acknowledgement (the caller saw a failure), {} failed "
                                + "attempts, worst send {} ms; all received {} ms after the traffic stopped; faults: {}",
                        SEED, SECONDS, loadAverage(), acked.size(), missing(acked, received).size(),
                        duplicates + " (" + storedTwice + " stored twice by a retried send, the rest delivered again)",
                        callerFailures.size(), unacknowledgedReceived, producer.stats().failedAttempts(),
                        worstSendNanos.get() / 1_000_000, (System.nanoTime() - sendsEnded) / 1_000_000, faults);
                if (!callerFailures.isEmpty()) {
                    log.info("caller failures: {}", callerFailures.stream().limit(20).toList());
                }
                assertEquals(new TreeSet<>(), missing(acked, received), "lost acknowledged messages");
                assertTrue(acked.size() > 0, "traffic ran");
                assertTrue(faults.size() >= Math.max(1, SECONDS / 40), "faults injected: " + faults);
            }
        } finally {
            stop.set(true);
            cluster.heal();
        }
        // the group, producer and consumer are closed: their threads, fds and sockets end (netty's quiet period
        // 2 s, the client's 3 s poll; the same bound and slack as LeakIT)
        Await.until(Duration.ofSeconds(30), () -> LeakIT.Counts.now().within(before, LeakIT.SLACK),
                () -> "threads/fds/sockets after the soak: " + LeakIT.Counts.now() + ", before: " + before);
        log.info("threads/fds/sockets before the soak {}, after it {}", before, LeakIT.Counts.now());
    }

    /** Hurts one random node, holds for 2-5 s, brings it back (waiting until it serves); returns what was done. */
    private static String hurtAndHeal(RocketTestCluster cluster, SplittableRandom random, long t0)
            throws InterruptedException {
        List<RocketNode> nodes = cluster.nodes();
        RocketNode node = nodes.get(random.nextInt(nodes.size()));
        int kind = random.nextInt(node.isNameServer() ? 3 : 2);
        long hold = 2_000 + random.nextInt(3_001);
        long at = (System.nanoTime() - t0) / 1_000_000;
        String what;
        switch (kind) {
            case 0 -> {
                what = "kill -9";
                cluster.kill(node);
                Thread.sleep(hold); // how long the node stays down: part of the fault, not a wait for state
                cluster.restart(node);
            }
            case 1 -> {
                what = "SIGSTOP";
                cluster.freeze(node);
                Thread.sleep(hold);
                cluster.thaw(node);
            }
            default -> {
                what = "black hole";
                BlackHole hole = cluster.blackHole(node);
                Thread.sleep(hold);
                cluster.restart(node);
                what += " (" + hole.acceptedConnections() + " connections)";
            }
        }
        String done = what + " " + node.name() + " at " + at + " ms for " + hold + " ms";
        log.info("chaos: {}", done);
        return done;
    }

    private static TreeSet<String> missing(Map<String, String> acked, Map<String, AtomicInteger> received) {
        return acked.entrySet().stream().filter(e -> !received.containsKey(e.getKey()))
                .map(e -> e.getKey() + "@" + e.getValue()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
