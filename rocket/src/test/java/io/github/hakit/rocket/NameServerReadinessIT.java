package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketNode;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A NameServer restarted while the other stays up answers before any broker has registered with it (brokers
 * register every {@code registerNameServerPeriod}, 10 s here); a client that asks it for a route gets
 * {@code NO_ROUTE}. hakit keeps it out of the clients' lists until it knows what the other NameServer knows: a
 * producer started in that window sends without a failure, a group started in that window leaves it out from the
 * start, and the disagreement refreshes no routes.
 */
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class NameServerReadinessIT {
    private static final Logger log = LoggerFactory.getLogger(NameServerReadinessIT.class);

    @Test
    void restartedNameServerIsUsedOnlyOnceItKnowsTheBrokers(RocketTestCluster cluster) throws Exception {
        String topic = "ns-ready";
        cluster.createTopic(topic, 2, false);
        RocketNode victim = cluster.nameServer(0);
        RocketNode other = cluster.nameServer(1);
        try (NameServerGroup group = NameServerFailoverIT.group(cluster, "ns-ready")) {
            cluster.kill(victim);
            Await.until(Duration.ofSeconds(10), () -> !group.healthyAddresses().contains(victim.address()),
                    () -> victim.address() + " marked DOWN");
            cluster.restart(victim); // returns once it answers, before the brokers have registered
            long restartedAt = System.nanoTime();
            String infoRightAfter = cluster.clusterInfo(victim);
            try (NameServerGroup fresh = NameServerFailoverIT.group(cluster, "ns-ready-fresh");
                 HaProducer producer = NameServerFailoverIT.producer(group, "ns-ready-producer");
                 HaProducer freshProducer = NameServerFailoverIT.producer(fresh, "ns-ready-fresh-producer")) {
                // brokers only ever join a restarted NameServer: empty now means empty at the fresh group's start
                boolean stillEmpty = !cluster.clusterInfo(victim).contains("broker-");
                log.info("restarted {}: cluster info right after restart {}; still empty after the fresh group "
                        + "started: {}", victim.name(), infoRightAfter, stillEmpty);
                if (stillEmpty) {
                    assertEquals(List.of(other.address()), fresh.healthyAddresses(),
                            "a group started while a NameServer knows no brokers leaves it out");
                }
                List<Throwable> failures = new ArrayList<>();
                String notReadyCheck = null;
                int sent = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
                // until the restarted NameServer is back in both groups, and a little longer
                while (System.nanoTime() < deadline) {
                    for (HaProducer p : List.of(producer, freshProducer)) {
                        try {
                            p.send(new Message(topic, ("m" + sent).getBytes(StandardCharsets.UTF_8)));
                        } catch (RocketSendException e) {
                            failures.add(e);
                        }
                        sent++;
                    }
                    String lastCheck = group.upstream().status(victim.address()).lastCheck();
                    if (notReadyCheck == null && lastCheck != null && lastCheck.contains("know")) {
                        notReadyCheck = lastCheck;
                    }
                    if (group.healthyAddresses().size() == 2 && fresh.healthyAddresses().size() == 2) {
                        break;
                    }
                    Thread.sleep(50); // pacing of the traffic, not a wait for state
                }
                long backMillis = (System.nanoTime() - restartedAt) / 1_000_000;
                log.info("{} back in use {} ms after its restart; {} sends, {} failures; broker changes {} / {}",
                        victim.name(), backMillis, sent, failures.size(), group.brokerChanges(),
                        fresh.brokerChanges());
                assertTrue(notReadyCheck != null, "the restarted NameServer answered before it knew the brokers");
                log.info("a check of the restarted NameServer while it was not ready: {}", notReadyCheck);
                assertEquals(List.of(), failures, "sends while the restarted NameServer knew no or some brokers");
                assertEquals(2, group.healthyAddresses().size(), "back in use once it knows the brokers");
                assertTrue(group.brokerChanges() <= 1, "route refreshes: " + group.brokerChanges());
                assertTrue(fresh.brokerChanges() <= 1, "route refreshes: " + fresh.brokerChanges());
                assertFalse(failures.stream().anyMatch(f -> f.getMessage().contains("NO_ROUTE")));
            }
        }
    }
}
