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
import java.util.List;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A NameServer dies (kill -9) or turns into a black hole while messages flow: callers see no
 * failure, the group marks it DOWN within fall x (interval + timeout), the clients drop it, and from
 * then on no call waits on it — a first send to a new topic (which needs a route lookup) is fast.
 */
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class NameServerFailoverIT {
    private static final Logger log = LoggerFactory.getLogger(NameServerFailoverIT.class);
    static final int MESSAGES = Integer.getInteger("hakit.it.nsMessages", 20_000);
    static final int THREADS = 4;

    static NameServerGroup group(RocketTestCluster cluster, String name) {
        return NameServerGroup.builder(name).addresses(cluster.nameServerAddresses())
                .checkInterval(Duration.ofMillis(500)).checkTimeout(Duration.ofMillis(500)).rise(2).fall(2)
                .build().start();
    }

    /**
     * The producer the failover tests use: hakit's defaults except a 5 s deadline (instead of 3 s),
     * because this machine is shared by several builds and 7 JVMs and stalls of 1-3 s were seen.
     */
    static HaProducer producer(NameServerGroup group, String name) throws Exception {
        return HaProducer.builder(name).nameServers(group).sendTimeout(Duration.ofSeconds(5)).build().start();
    }

    @Test
    void killedNameServerCostsCallersNothing(RocketTestCluster cluster) throws Exception {
        run(cluster, "ns-kill", (ns) -> cluster.kill(ns));
    }

    @Test
    void blackHoledNameServerCostsCallersNothingAfterDetection(RocketTestCluster cluster) throws Exception {
        BlackHole[] hole = new BlackHole[1];
        run(cluster, "ns-hole", (ns) -> hole[0] = cluster.blackHole(ns));
        assertTrue(hole[0].acceptedConnections() > 0, "the health checks did reach the black hole");
    }

    private interface Failure {
        void inflict(RocketNode nameServer);
    }

    private void run(RocketTestCluster cluster, String topic, Failure failure) throws Exception {
        cluster.createTopic(topic, 4, false);
        // created now, used only after the failure: brokers register topics with every NameServer
        // synchronously, so a black-holed one would stall the creation itself
        String fresh = topic + "-fresh";
        cluster.createTopic(fresh, 2, false);
        RocketNode victim = cluster.nameServer(0);
        try (NameServerGroup group = group(cluster, topic);
             HaProducer producer = producer(group, topic + "-producer")) {
            Traffic.warmUp(producer, topic, java.util.Set.of("broker-a", "broker-b"), 20);
            long[] detectedNanos = {0};
            Traffic traffic = new Traffic().run(producer, topic, topic, MESSAGES, THREADS, MESSAGES / 4, n -> {
                failure.inflict(victim);
                long t0 = System.nanoTime();
                Await.until(Duration.ofSeconds(10), () -> !group.healthyAddresses().contains(victim.address()),
                        () -> victim.address() + " marked DOWN");
                detectedNanos[0] = System.nanoTime() - t0;
            });
            log.info("{}: {} sends at {}/s, {} caller failures, {} failed attempts; {} DOWN after {} ms; max send latency {} ms",
                    topic, traffic.acks.size(), (long) traffic.ratePerSecond(), traffic.failures.size(),
                    producer.stats().failedAttempts(), victim.name(), detectedNanos[0] / 1_000_000,
                    traffic.maxLatencyNanos.get() / 1_000_000);
            assertEquals(List.of(), traffic.failures, "caller-visible failures");
            assertEquals(MESSAGES, traffic.acks.size());
            assertEquals(List.of(cluster.nameServer(1).address()), group.healthyAddresses());
            assertEquals(List.of(cluster.nameServer(1).address()),
                    producer.unwrap().getDefaultMQProducerImpl().getMqClientFactory().getMQClientAPIImpl()
                            .getNameServerAddressList(), "the client's own NameServer list");

            // a topic the client has never seen needs a route lookup: it must not wait on the dead NameServer
            long t0 = System.nanoTime();
            assertEquals(SendStatus.SEND_OK, producer.send(new Message(fresh, "x".getBytes(StandardCharsets.UTF_8)))
                    .getSendStatus());
            long firstSendMillis = (System.nanoTime() - t0) / 1_000_000;
            log.info("{}: first send to a new topic took {} ms", topic, firstSendMillis);
            assertTrue(firstSendMillis < 1_000, "first send to a new topic took " + firstSendMillis + " ms");

            ClusterView view = group.clusterView();
            assertEquals(2, view.brokers().size(), view.toString());
            assertTrue(view.nameServers().stream().anyMatch(s -> s.address().equals(victim.address()) && !s.healthy()),
                    view.toString());
        }
    }
}
