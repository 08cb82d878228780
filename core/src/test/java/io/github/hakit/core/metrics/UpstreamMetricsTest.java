package io.github.hakit.core.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.hakit.core.NoLiveEndpointException;
import io.github.hakit.core.Upstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class UpstreamMetricsTest {
    @Test
    void metersFollowCallsRetriesAndState() {
        Upstream u = Upstream.builder("m").endpoints("a:1,b:2").logging(false).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new UpstreamMetrics(u).bindTo(registry);
        u.execute(a -> "ok");
        assertThrows(NoLiveEndpointException.class, () -> u.execute(a -> {
            throw new ConnectException("refused");
        }));
        double ok = registry.get("hakit.upstream.endpoint.calls").tag("outcome", "success").functionCounters().stream()
                .mapToDouble(c -> c.count()).sum();
        double failed = registry.get("hakit.upstream.endpoint.calls").tag("outcome", "failure").functionCounters()
                .stream().mapToDouble(c -> c.count()).sum();
        assertEquals(1, ok);
        assertEquals(2, failed);
        assertEquals(1, registry.get("hakit.upstream.retries").functionCounter().count(), "a -> b");
        assertEquals(1, registry.get("hakit.upstream.exhausted").functionCounter().count());
        assertEquals(2, registry.get("hakit.upstream.state.changes").functionCounter().count(), "both marked down (max_fails=1)");
        assertEquals(0, registry.get("hakit.upstream.endpoint.up").tag("endpoint", "a:1").gauge().value());
    }

    @Test
    void bindingTwiceNeverCountsAnEventTwice() {
        Upstream u = Upstream.builder("m2").endpoints("a:1,b:2").logging(false).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        UpstreamMetrics metrics = new UpstreamMetrics(u);
        metrics.bindTo(registry);
        metrics.bindTo(registry);
        new UpstreamMetrics(u).bindTo(registry);
        assertThrows(NoLiveEndpointException.class, () -> u.execute(a -> {
            throw new ConnectException("refused");
        }));
        assertEquals(1, registry.get("hakit.upstream.retries").functionCounter().count());
        assertEquals(1, registry.get("hakit.upstream.exhausted").functionCounter().count());
    }
}
