package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import io.github.hakit.dubbo.fixture.DubboNet;
import io.github.hakit.dubbo.fixture.DubboNetTest;
import io.github.hakit.dubbo.fixture.SimulatedProvider;
import io.github.hakit.dubbo.fixture.ZoneNetwork;
import io.github.hakit.testkit.Await;
import org.apache.dubbo.rpc.RpcException;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed deployment on loopback: zone A and zone B, each provider host with an internal (LAN) and
 * an external (public) address; see {@link SimulatedProvider} and {@link ZoneNetwork} for how a
 * consumer in one zone is kept from reaching the other zone's LAN addresses. A provider answers with
 * the address the call came from: 127.0.1.x = the internal forwarder, 127.0.2.x = the external one.
 */
class ZoneRoutingIT extends DubboNetTest {
    private static final Logger log = LoggerFactory.getLogger(ZoneRoutingIT.class);
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** A hakit provider registering its external address, tagged with zone and internal address. */
    private SimulatedProvider hakitProvider(String name, String zone, String lanHost, Map<String, String> params) {
        return SimulatedProvider.create(net, name, zone, lanHost).startWithHakit(params);
    }

    /**
     * A hakit consumer. Dubbo reconnects a lost provider connection only every
     * {@code dubbo.application.least-reconnect-duration} (60 s by default) and heartbeat tick: 1 s here,
     * so a recovered provider is usable again quickly.
     */
    private DubboNet.Node hakitConsumer(String name, String zone, ConsumerOptions.Builder options) {
        return net.consumer(name, zone, Map.of("cluster", HakitDubbo.CLUSTER, "heartbeat", "1000",
                        "dubbo.application.least-reconnect-duration", "1000"),
                b -> HakitDubbo.installConsumer(b.getApplicationModel(), options.zone(zone).build()));
    }

    /** Calls {@code n} times and counts answers ("a1 127.0.1.1" -> count). */
    private static Map<String, Integer> calls(DubboNet.Node consumer, int n) {
        Map<String, Integer> answers = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            answers.merge(consumer.greeter().whoAmI(), 1, Integer::sum);
        }
        return answers;
    }

    @Test
    void withoutHakitAZoneBConsumerCannotCallAZoneAProviderThatRegisteredItsLanAddress() {
        SimulatedProvider a1 = SimulatedProvider.create(net, "a1", "a", "zone-a-host1").start(Map.of(), b -> { });
        DubboNet.Node consumerB = net.consumer("plain-consumer-b", "b", Map.of(), b -> { });
        consumerB.awaitProviders(1, WAIT);

        // Dubbo registered the LAN address it binds (zone-a-host1:port): zone B has no route to it, so the
        // simulated network handed the consumer the black hole on that port
        assertEquals(List.of("unroutable:" + a1.lanAddress().port()),
                consumerB.guard().seen().stream().distinct().toList());
        RpcException e = assertThrows(RpcException.class, () -> consumerB.greeter().whoAmI());
        log.info("seed failure reproduced: {}", e.getMessage());
        assertEquals(0, a1.external().acceptedConnections());
    }

    @Test
    void withHakitTheZoneBConsumerCallsTheZoneAProviderOverItsExternalAddress() {
        SimulatedProvider a1 = hakitProvider("a1", "a", "zone-a-host1", Map.of());
        DubboNet.Node consumerB = hakitConsumer("consumer-b", "b", ConsumerOptions.builder());
        consumerB.awaitProviders(1, WAIT);

        assertEquals(Map.of("a1 127.0.2.1", 5), calls(consumerB, 5));
        assertEquals(List.of(a1.externalAddress().toString()), consumerB.guard().seen().stream().distinct().toList());
        assertTrue(a1.external().acceptedConnections() >= 1);
    }

    @Test
    void consumersUseInternalAddressesInTheirOwnZoneAndExternalOnesAcrossZones() {
        hakitProvider("a1", "a", "zone-a-host1", Map.of());
        hakitProvider("a2", "a", "zone-a-host2", Map.of());
        SimulatedProvider b1 = hakitProvider("b1", "b", "zone-b-host1", Map.of());
        DubboNet.Node consumerA = hakitConsumer("consumer-a", "a", ConsumerOptions.builder());
        DubboNet.Node consumerB = hakitConsumer("consumer-b", "b", ConsumerOptions.builder());
        consumerA.awaitProviders(3, WAIT);
        consumerB.awaitProviders(3, WAIT);
        int b1ExternalBefore = b1.external().acceptedConnections(); // the provider's own startup check

        // zone A: both own-zone providers, round robin, over the internal address (127.0.1.1)
        assertEquals(Map.of("a1 127.0.1.1", 10, "a2 127.0.1.1", 10), calls(consumerA, 20));
        // zone B: its own provider over zone B's internal address (127.0.1.2)
        assertEquals(Map.of("b1 127.0.1.2", 10), calls(consumerB, 10));
        assertEquals(b1ExternalBefore, b1.external().acceptedConnections(), "no zone-B traffic left the LAN");
    }

    @Test
    void aConsumerFailsOverToTheOtherZoneWhenItsZoneDiesAndReturnsWhenItRecovers() {
        SimulatedProvider a1 = hakitProvider("a1", "a", "zone-a-host1", Map.of());
        SimulatedProvider a2 = hakitProvider("a2", "a", "zone-a-host2", Map.of());
        hakitProvider("b1", "b", "zone-b-host1", Map.of());
        DubboNet.Node consumerA = hakitConsumer("consumer-a", "a",
                ConsumerOptions.builder().failTimeout(Duration.ofSeconds(1)));
        consumerA.awaitProviders(3, WAIT);
        assertEquals(Map.of("a1 127.0.1.1", 2, "a2 127.0.1.1", 2), calls(consumerA, 4));

        long crashedAt = System.nanoTime();
        a1.crash();
        a2.crash();
        // every call still succeeds: a failed attempt moves on, zone A is skipped for fail_timeout
        Map<String, Integer> during = calls(consumerA, 20);
        long firstFailoverMs = (System.nanoTime() - crashedAt) / 1_000_000;
        log.info("20 calls after zone A died answered in {} ms: {}", firstFailoverMs, during);
        assertEquals(20, during.getOrDefault("b1 127.0.2.2", 0), during.toString());

        a1.recover();
        a2.recover();
        // after fail_timeout a call probes zone A again, and a success brings it back
        Await.until(WAIT, () -> consumerA.greeter().whoAmI().endsWith("127.0.1.1"), () -> "traffic back in zone A");
        Map<String, Integer> after = calls(consumerA, 10);
        assertEquals(0, after.getOrDefault("b1 127.0.2.2", 0), after.toString());
    }

    @Test
    void weightsAreHonouredLikeANginxUpstream() {
        hakitProvider("a1", "a", "zone-a-host1", Map.of("weight", "3"));
        hakitProvider("a2", "a", "zone-a-host2", Map.of("weight", "1"));
        DubboNet.Node consumerA = hakitConsumer("consumer-a", "a", ConsumerOptions.builder());
        consumerA.awaitProviders(2, WAIT);

        assertEquals(Map.of("a1 127.0.1.1", 30, "a2 127.0.1.1", 10), calls(consumerA, 40));
    }

    @Test
    void aFailedProviderIsSkippedForFailTimeoutAndNoCallFails() {
        SimulatedProvider a1 = hakitProvider("a1", "a", "zone-a-host1", Map.of());
        hakitProvider("a2", "a", "zone-a-host2", Map.of());
        DubboNet.Node consumerA = hakitConsumer("consumer-a", "a",
                ConsumerOptions.builder().maxFails(1).failTimeout(Duration.ofSeconds(30)));
        consumerA.awaitProviders(2, WAIT);
        calls(consumerA, 2);

        a1.crash();
        Map<String, Integer> answers = calls(consumerA, 30);

        assertEquals(Map.of("a2 127.0.1.1", 30), answers);
    }
}
