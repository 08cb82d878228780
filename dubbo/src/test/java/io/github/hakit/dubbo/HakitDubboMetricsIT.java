package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import io.github.hakit.dubbo.fixture.DubboNet;
import io.github.hakit.dubbo.fixture.DubboNetTest;
import io.github.hakit.dubbo.fixture.SimulatedProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Micrometer meters of the hakit references, bound before the reference's first call (the late-binding path). */
class HakitDubboMetricsIT extends DubboNetTest {
    @Test
    void referenceMetersCountProvidersAndCalls() {
        SimulatedProvider.create(net, "a1", "a", "zone-a-host1").startWithHakit(Map.of());
        SimulatedProvider.create(net, "a2", "a", "zone-a-host2").startWithHakit(Map.of());
        DubboNet.Node consumer = net.consumer("consumer-a", "a", Map.of("cluster", HakitDubbo.CLUSTER),
                b -> HakitDubbo.installConsumer(b.getApplicationModel(), ConsumerOptions.builder().zone("a").build()));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new HakitDubboMetrics(consumer.applicationModel()).bindTo(registry);
        assertEquals(0.0, registry.get("hakit.dubbo.references").gauge().value());
        consumer.awaitProviders(2, Duration.ofSeconds(30));

        for (int i = 0; i < 10; i++) {
            consumer.greeter().whoAmI();
        }
        String upstream = "dubbo:" + io.github.hakit.dubbo.fixture.Greeter.class.getName();
        assertEquals(1.0, registry.get("hakit.dubbo.references").gauge().value());
        assertEquals(2.0, registry.get("hakit.dubbo.reference.providers").tags("upstream", upstream, "state", "available")
                .gauge().value());
        assertEquals(2.0, registry.get("hakit.dubbo.reference.providers").tags("upstream", upstream, "state", "total")
                .gauge().value());
        double calls = registry.get("hakit.upstream.endpoint.calls").tags("upstream", upstream, "outcome", "success")
                .functionCounters().stream().mapToDouble(c -> c.count()).sum();
        assertEquals(10.0, calls);

    }
}
