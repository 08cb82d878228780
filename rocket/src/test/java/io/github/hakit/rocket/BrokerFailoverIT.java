package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketNode;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.core.metrics.UpstreamMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** broker-a's master is killed: producers route around it at once, consumers read its messages from the slave. */
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class BrokerFailoverIT {
    private static final Logger log = LoggerFactory.getLogger(BrokerFailoverIT.class);
    static final int MESSAGES = Integer.getInteger("hakit.it.brokerMessages", 20_000);

    @Test
    void killedMasterIsRoutedAroundAtOnceAndRejoinsWithinSeconds(RocketTestCluster cluster) throws Exception {
        String topic = "broker-failover";
        cluster.createTopic(topic, 4, false);
        RocketNode master = cluster.master("broker-a");
        List<Long> failedOnA = new CopyOnWriteArrayList<>();
        List<UpstreamListener.StateChange> changes = new CopyOnWriteArrayList<>();
        try (NameServerGroup group = NameServerFailoverIT.group(cluster, topic);
             HaProducer producer = HaProducer.builder(topic + "-producer").nameServers(group)
                     .sendTimeout(Duration.ofSeconds(5)).listener(new UpstreamListener() {
                         @Override
                         public void onStateChange(StateChange event) {
                             changes.add(event);
                         }
                     }).listener(new SendListener() {
                         @Override
                         public void attemptFailed(String t, SendAttempt attempt) {
                             if (attempt.brokerName().equals("broker-a")) {
                                 failedOnA.add(System.nanoTime() - attempt.took().toNanos()); // when it started
                             }
                         }
                     }).build().start()) {
            Traffic.warmUp(producer, topic, Set.of("broker-a", "broker-b"), 20);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            new UpstreamMetrics(producer.upstream()).bindTo(meters);
            Traffic traffic = new Traffic().run(producer, topic, topic, MESSAGES, NameServerFailoverIT.THREADS,
                    MESSAGES / 4, n -> cluster.kill(master));
            // core's failure memory: broker-a's isolation is an ejection in status, events and meters
            assertTrue(changes.stream().anyMatch(c -> c.endpoint().name().equals("broker-a") && !c.to().takesTraffic()),
                    "an event took broker-a out: " + changes);
            assertTrue(producer.status().endpoints().stream().anyMatch(e -> e.name().equals("broker-a")
                    && e.failures() >= 1), producer.status().render());
            double failedCalls = meters.get("hakit.upstream.endpoint.calls").tag("endpoint", "broker-a")
                    .tag("outcome", "failure").functionCounter().count();
            assertTrue(failedCalls >= 1, "failed calls on broker-a in the meters: " + failedCalls);
            log.info("{}: broker events {}; status after the kill:\n{}", topic, changes, producer.status().render());
            // the last attempt *started* on broker-a after the kill: from then on every send goes to broker-b
            // (attempts already in flight at the kill end with their own share of the deadline)
            long movedMillis = failedOnA.stream().mapToLong(t -> t - traffic.markNanos).max().orElse(0) / 1_000_000;
            Map<String, Long> perBroker = traffic.acks.stream()
                    .collect(Collectors.groupingBy(Traffic.Ack::broker, Collectors.counting()));
            log.info("{}: {} sends at {}/s, {} caller failures, {} failed attempts (on broker-a: {}), last attempt "
                            + "on broker-a started {} ms after the kill, max latency after the kill {} ms, per broker {}",
                    topic, traffic.acks.size(), (long) traffic.ratePerSecond(), traffic.failures.size(),
                    producer.stats().failedAttempts(), failedOnA.size(), movedMillis,
                    traffic.maxLatencyAfterNanos.get() / 1_000_000, perBroker);
            assertEquals(List.of(), traffic.failures, "caller-visible failures");
            assertEquals(MESSAGES, traffic.acks.size());
            assertTrue(movedMillis <= 1_000, "broker-a still tried " + movedMillis + " ms after the kill");
            assertTrue(traffic.maxLatencyAfterNanos.get() < Duration.ofSeconds(5).toNanos(), "within the send deadline");
            assertTrue(failedOnA.size() <= 2L * NameServerFailoverIT.THREADS,
                    "failed attempts on broker-a: " + failedOnA.size());

            Await.until(Duration.ofSeconds(10), () -> group.clusterView().brokers().get("broker-a").master().isEmpty(),
                    () -> "cluster view without broker-a's master: " + group.clusterView());
            ClusterView.BrokerGroup a = group.clusterView().brokers().get("broker-a");
            assertTrue(a.readable() && !a.writable(), a.toString());
            assertEquals(cluster.slave("broker-a").address(), a.slaves().get(1L));

            Duration restart = cluster.restart(master);
            long t0 = System.nanoTime();
            AtomicInteger n = new AtomicInteger();
            Await.until(Duration.ofSeconds(30), () -> {
                try {
                    return producer.send(new Message(topic, ("back-" + n.incrementAndGet()).getBytes(StandardCharsets.UTF_8)))
                            .getMessageQueue().getBrokerName().equals("broker-a");
                } catch (RocketSendException e) {
                    throw new IllegalStateException(e);
                }
            }, () -> "a send to the restarted broker-a");
            long backMillis = (System.nanoTime() - t0) / 1_000_000;
            log.info("{}: broker-a master restarted in {} ms; first send to it {} ms later ({} sends)", topic,
                    restart.toMillis(), backMillis, n.get());
            assertTrue(backMillis <= 10_000, "restarted master got traffic only after " + backMillis + " ms");
        }
    }

    @Test
    void consumersReadTheDeadMastersStoredMessagesFromItsSlave(RocketTestCluster cluster) throws Exception {
        String topic = "slave-read";
        cluster.createTopic(topic, 2);
        int total = 2_000;
        try (NameServerGroup group = NameServerFailoverIT.group(cluster, topic);
             HaProducer producer = NameServerFailoverIT.producer(group, topic + "-producer")) {
            Traffic traffic = new Traffic().run(producer, topic, topic, total, 2, -1, null);
            assertEquals(List.of(), traffic.failures);
            long onA = traffic.ackedKeys.values().stream().filter("broker-a"::equals).count();
            assertTrue(onA > total / 4, "broker-a stored " + onA);
            // async replication: the test waits for the slave, then kills; the sync layout test kills mid-stream
            cluster.awaitReplicated("broker-a", Duration.ofSeconds(30));
            cluster.kill(cluster.master("broker-a"));
            Await.until(Duration.ofSeconds(10), () -> group.clusterView().brokers().get("broker-a").master().isEmpty(),
                    () -> "broker-a master gone from the routes");

            Set<String> pushed = ConcurrentHashMap.newKeySet();
            HaConsumer<DefaultMQPushConsumer> push = TestConsumers.collecting(topic + "-push", group, topic, pushed,
                    m -> m.getKeys());
            Set<String> pulled = ConcurrentHashMap.newKeySet();
            HaConsumer<DefaultLitePullConsumer> pull = HaConsumer.litePull(topic + "-pull", group);
            pull.client().setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
            pull.client().subscribe(topic, "*");
            try (push; pull) {
                long t0 = System.nanoTime();
                push.start();
                pull.start();
                Await.until(Duration.ofSeconds(60), () -> {
                    pull.client().poll(100).forEach(m -> pulled.add(m.getKeys()));
                    return pushed.size() >= total && pulled.size() >= total;
                }, () -> "push " + pushed.size() + " / pull " + pulled.size() + " of " + total);
                log.info("{}: with broker-a's master dead, push and pull consumers read all {} messages ({} stored by "
                        + "broker-a, read from its slave) in {} ms", topic, total, onA, (System.nanoTime() - t0) / 1_000_000);
            }
            for (int i = 0; i < total; i++) {
                assertTrue(pushed.contains(topic + "-" + i) && pulled.contains(topic + "-" + i), "message " + i);
            }
        }
    }
}
