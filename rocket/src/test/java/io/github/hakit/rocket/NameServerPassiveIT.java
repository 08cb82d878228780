package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.EndpointStatus;
import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.rocket.internal.NameServerTraffic;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketNode;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive accounting of the clients' own NameServer requests. The active checks here run once a minute
 * (fall 3: three minutes to notice anything), so whatever takes a NameServer out within seconds is the
 * clients' own traffic.
 */
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class NameServerPassiveIT {
    private static final Logger log = LoggerFactory.getLogger(NameServerPassiveIT.class);
    /** How long a hakit producer with the default 3 s deadline waits for a NameServer. */
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(1);

    private static NameServerGroup slowCheckedGroup(RocketTestCluster cluster, String name) {
        return NameServerGroup.builder(name).addresses(cluster.nameServerAddresses())
                .checkInterval(Duration.ofMinutes(1)).rise(2).fall(3).build().start();
    }

    /** Stands in for an application's own hook (ACL): sees where route lookups go, and that it still runs. */
    private static final class RouteLookups implements RPCHook {
        volatile String lastNameServer;
        final AtomicInteger answered = new AtomicInteger();

        @Override
        public void doBeforeRequest(String remoteAddr, RemotingCommand request) {
            if (request.getCode() == RequestCode.GET_ROUTEINFO_BY_TOPIC) {
                lastNameServer = remoteAddr;
            }
        }

        @Override
        public void doAfterResponse(String remoteAddr, RemotingCommand request, RemotingCommand response) {
            if (request.getCode() == RequestCode.GET_ROUTEINFO_BY_TOPIC) {
                answered.incrementAndGet();
            }
        }
    }

    /** hakit's defaults: a 3 s send deadline, so the client waits 1 s for a NameServer. */
    private static HaProducer producer(NameServerGroup group, String name, RPCHook hook) throws Exception {
        return HaProducer.builder(name).nameServers(group).instanceName(name).rpcHook(hook).build().start();
    }

    private static List<String> clientList(HaProducer producer) {
        return producer.unwrap().getDefaultMQProducerImpl().getMqClientFactory().getMQClientAPIImpl()
                .getNameServerAddressList();
    }

    @Test
    void theClientsAnsweredRequestsAreCountedForTheNameServerTheyWentTo(RocketTestCluster cluster) throws Exception {
        cluster.createTopic("passive-count", 2, false);
        RouteLookups lookups = new RouteLookups();
        try (NameServerGroup group = slowCheckedGroup(cluster, "passive-count");
             HaProducer producer = producer(group, "passive-count-producer", lookups)) {
            List<RPCHook> hooks = ((NettyRemotingClient) producer.unwrap().getDefaultMQProducerImpl()
                    .getMqClientFactory().getMQClientAPIImpl().getRemotingClient()).getRPCHook();
            assertTrue(hooks.contains(lookups) && hooks.stream().anyMatch(h -> h instanceof NameServerTraffic),
                    "the application's hook and the group's, registered before the client started: " + hooks);
            Traffic.warmUp(producer, "passive-count", Set.of("broker-a", "broker-b"), 1);
            Await.until(Duration.ofSeconds(10), () -> successes(group) >= lookups.answered.get()
                    && lookups.answered.get() > 0, () -> "route lookups counted: " + lookups.answered + " answered, "
                    + successes(group) + " counted");
            assertEquals(lookups.lastNameServer, group.upstream().status().endpoints().stream()
                    .filter(e -> e.successes() > 0).map(EndpointStatus::address).findFirst().orElseThrow(),
                    "counted for the NameServer the lookups went to");
            assertEquals(0, group.upstream().status().endpoints().stream().mapToLong(EndpointStatus::failures).sum());
        }
    }

    @Test
    void aFrozenNameServerLeavesEveryClientAfterOneTimedOutRequest(RocketTestCluster cluster) throws Exception {
        cluster.createTopic("passive-freeze", 2, false);
        // created before the freeze (brokers register topics with every NameServer), first used after it
        cluster.createTopic("passive-fresh-1", 2, false);
        cluster.createTopic("passive-fresh-2", 2, false);
        List<UpstreamListener.StateChange> changes = new CopyOnWriteArrayList<>();
        RouteLookups lookups = new RouteLookups();
        try (NameServerGroup group = slowCheckedGroup(cluster, "passive-freeze");
             HaProducer first = producer(group, "passive-freeze-1", lookups);
             HaProducer second = producer(group, "passive-freeze-2", new RouteLookups())) {
            group.upstream().addListener(new UpstreamListener() {
                @Override
                public void onStateChange(StateChange event) {
                    changes.add(event);
                }
            });
            Traffic.warmUp(first, "passive-freeze", Set.of("broker-a", "broker-b"), 1);
            Traffic.warmUp(second, "passive-freeze", Set.of("broker-a", "broker-b"), 1);
            // the NameServer the first client asks: its route lookups were answered there
            first.unwrap().getDefaultMQProducerImpl().getMqClientFactory()
                    .updateTopicRouteInfoFromNameServer("passive-freeze");
            String inUse = lookups.lastNameServer;
            RocketNode victim = cluster.nameServers().stream().filter(n -> n.address().equals(inUse)).findFirst()
                    .orElseThrow();
            RocketNode other = cluster.nameServers().stream().filter(n -> n != victim).findFirst().orElseThrow();

            cluster.freeze(victim);
            try {
                long t0 = System.nanoTime();
                // a topic the first client has never seen: its route lookup waits on the frozen NameServer
                assertEquals(SendStatus.SEND_OK, first.send(message("passive-fresh-1")).getSendStatus());
                long firstSendMillis = millisSince(t0);
                Await.until(Duration.ofSeconds(5), () -> !group.healthyAddresses().contains(victim.address()),
                        () -> victim.address() + " out of use; " + group.upstream().status());
                long outMillis = millisSince(t0);
                log.info("frozen {}: first send to a new topic took {} ms; out of every client list after {} ms "
                        + "(active checks alone: fall 3 x 60 s)", victim.name(), firstSendMillis, outMillis);
                assertTrue(outMillis < CLIENT_TIMEOUT.toMillis() + 2_000, "out after " + outMillis + " ms");
                assertTrue(firstSendMillis < 3_000, "within the default deadline: " + firstSendMillis + " ms");
                assertEquals("DOWN (passive)", group.upstream().status().endpoint(victim.address()).statusText());
                assertTrue(changes.stream().anyMatch(c -> c.endpoint().address().equals(victim.address())
                        && c.cause().contains("failure(s) within fail_timeout")), changes.toString());
                assertEquals(List.of(other.address()), clientList(first));
                assertEquals(List.of(other.address()), clientList(second), "the other client's list too");

                // the other client never waits on the frozen NameServer for its own new topic
                long t1 = System.nanoTime();
                assertEquals(SendStatus.SEND_OK, second.send(message("passive-fresh-2")).getSendStatus());
                long secondSendMillis = millisSince(t1);
                log.info("second client's first send to a new topic after detection: {} ms", secondSendMillis);
                assertTrue(secondSendMillis < 1_000, "took " + secondSendMillis + " ms");
            } finally {
                cluster.thaw(victim);
            }
        }
    }

    @Test
    void anUnansweredRequestTakesTheNameServerOutUntilFailTimeoutThenItIsTriedAgain(RocketTestCluster cluster) {
        String a = cluster.nameServer(0).address();
        String b = cluster.nameServer(1).address();
        try (NameServerGroup group = NameServerGroup.builder("passive-expiry").addresses(List.of(a, b))
                .checkInterval(Duration.ofMinutes(1)).requestTimeout(Duration.ofMillis(200))
                .failTimeout(Duration.ofSeconds(1)).build().start()) {
            // the hook as the remoting client drives it: a request goes out to a, no answer comes back
            group.trafficHook().doBeforeRequest(a, routeRequest());
            assertEquals(1, group.pendingRequests());
            long t0 = System.nanoTime();
            Await.until(Duration.ofSeconds(5), () -> group.healthyAddresses().equals(List.of(b)),
                    () -> a + " out after its request timed out; " + group.upstream().status());
            long outMillis = millisSince(t0);
            assertTrue(outMillis >= 150, "not before the request timeout: " + outMillis + " ms");
            assertEquals("DOWN (passive)", group.upstream().status().endpoint(a).statusText());
            assertEquals(0, group.pendingRequests());

            // fail_timeout over: back in the lists, as nginx tries a peer again
            Await.until(Duration.ofSeconds(5), () -> group.healthyAddresses().size() == 2,
                    () -> a + " back after fail_timeout; " + group.upstream().status());
            assertEquals("UP", group.upstream().status().endpoint(a).statusText());
        }
    }

    @Test
    void maxFailsZeroCountsButNeverEjects(RocketTestCluster cluster) {
        String a = cluster.nameServer(0).address();
        try (NameServerGroup group = NameServerGroup.builder("passive-off").addresses(cluster.nameServerAddresses())
                .checkInterval(Duration.ofMinutes(1)).requestTimeout(Duration.ofMillis(50)).maxFails(0)
                .build().start()) {
            group.trafficHook().doBeforeRequest(a, routeRequest());
            Await.until(Duration.ofSeconds(5), () -> group.upstream().status().endpoint(a).failures() == 1,
                    () -> "the timeout counted; " + group.upstream().status());
            assertEquals(2, group.healthyAddresses().size(), "but max_fails=0 never ejects");
        }
    }

    private static RemotingCommand routeRequest() {
        return RemotingCommand.createRequestCommand(RequestCode.GET_ROUTEINFO_BY_TOPIC, null);
    }

    private static long successes(NameServerGroup group) {
        return group.upstream().status().endpoints().stream().mapToLong(EndpointStatus::successes).sum();
    }

    private static Message message(String topic) {
        return new Message(topic, "passive".getBytes(StandardCharsets.UTF_8));
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
