package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.UpstreamStatus;
import io.github.hakit.dubbo.fixture.DubboNet;
import io.github.hakit.dubbo.fixture.DubboNetTest;
import io.github.hakit.dubbo.fixture.SimulatedProvider;
import io.github.hakit.dubbo.spring.HakitDubboHealthIndicator;
import org.apache.dubbo.rpc.RpcException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nginx next-upstream semantics for Dubbo calls when a provider hangs (its address accepts the
 * connection but never answers): an idempotent call moves on to another provider after its timeout,
 * a non-idempotent one does not (its request may have been executed), and either way the hung
 * provider is then skipped for {@code fail_timeout}.
 */
class PassiveHealthIT extends DubboNetTest {
    private static final Logger log = LoggerFactory.getLogger(PassiveHealthIT.class);
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Providers a1, a2 in zone A, a warmed-up consumer in zone A, then a1 hangs. */
    private record Setup(SimulatedProvider a1, SimulatedProvider a2, DubboNet.Node consumer) {
    }

    private Setup a1HangsUnder(boolean idempotent) {
        SimulatedProvider a1 = SimulatedProvider.create(net, "a1", "a", "zone-a-host1").startWithHakit(Map.of());
        SimulatedProvider a2 = SimulatedProvider.create(net, "a2", "a", "zone-a-host2").startWithHakit(Map.of());
        DubboNet.Node consumer = consumer(idempotent);
        consumer.awaitProviders(2, WAIT);
        consumer.greeter().echo("warm-1");
        consumer.greeter().echo("warm-2");
        a1.internal().freeze();
        return new Setup(a1, a2, consumer);
    }

    private DubboNet.Node consumer(boolean idempotent) {
        return net.consumer("consumer-a", "a", Map.of("cluster", HakitDubbo.CLUSTER, "timeout", "500"),
                b -> HakitDubbo.installConsumer(b.getApplicationModel(), ConsumerOptions.builder().zone("a")
                        .maxFails(1).failTimeout(Duration.ofSeconds(30)).idempotent(idempotent).build()));
    }

    @Test
    void aTimedOutIdempotentCallIsRetriedOnAnotherProviderAndTheHungOneIsSkipped() {
        Setup setup = a1HangsUnder(true);
        DubboNet.Node consumer = setup.consumer();
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long start = System.nanoTime();
            assertEquals("call-" + i, consumer.greeter().echo("call-" + i));
            millis.add((System.nanoTime() - start) / 1_000_000);
        }
        log.info("call latencies with a1 hung (ms): {}", millis);

        List<String> servedByA2 = setup.a2().node().service().echoed();
        for (int i = 0; i < 10; i++) {
            assertTrue(servedByA2.contains("call-" + i), "call-" + i + " served by a2: " + servedByA2);
        }
        long slow = millis.stream().filter(ms -> ms >= 450).count();
        assertTrue(slow <= 1, "only the call that found a1 hung waited for the timeout: " + millis);
    }

    @Test
    void aTimedOutNonIdempotentCallIsNotRepeatedOnAnotherProvider() {
        Setup setup = a1HangsUnder(false);
        DubboNet.Node consumer = setup.consumer();
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            try {
                consumer.greeter().echo("pay-" + i);
            } catch (RpcException e) {
                failed.add("pay-" + i);
                log.info("non-idempotent call failed without retry: {}", e.getMessage());
                assertTrue(e.isTimeout(), e.getMessage());
                assertTrue(e.getMessage().contains("non-idempotent"), e.getMessage());
            }
        }

        assertEquals(1, failed.size(), "exactly the call that hit the hung provider fails: " + failed);
        assertFalse(setup.a2().node().service().echoed().contains(failed.get(0)), "it was not repeated on a2");
        assertEquals(5, setup.a2().node().service().echoed().stream().filter(t -> t.startsWith("pay-")).count());
    }

    @Test
    void statusAndActuatorHealthShowEjectedProviders() {
        Setup setup = a1HangsUnder(true);
        DubboNet.Node consumer = setup.consumer();
        consumer.greeter().echo("find-a1-hung");
        consumer.greeter().echo("again");

        List<Upstream> upstreams = HakitDubbo.upstreams(consumer.applicationModel());
        assertEquals(1, upstreams.size());
        UpstreamStatus status = upstreams.get(0).status();
        log.info("after a1 hung:\n{}", status.render());
        assertEquals(2, status.endpoints().size());
        assertEquals(1, status.available());
        HakitDubboHealthIndicator health = new HakitDubboHealthIndicator(consumer.applicationModel());
        assertEquals(Status.UP, health.health().getStatus());

        setup.a2().internal().freeze();
        assertThrows(RpcException.class, () -> consumer.greeter().echo("both-hung"));
        assertEquals(0, upstreams.get(0).status().available());
        assertEquals(Status.DOWN, health.health().getStatus());
    }
}
