package io.github.hakit.core.metrics;

import io.github.hakit.core.EndpointStatus;
import io.github.hakit.core.Upstream;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for one upstream (Micrometer is an optional dependency of hakit-core; this class is only
 * loaded when used).
 *
 * <pre>{@code
 * new UpstreamMetrics(upstream).bindTo(registry);
 * }</pre>
 *
 * Meters, tagged {@code upstream} (and {@code endpoint} per endpoint, also for endpoints learned from per-call
 * candidate lists):
 * <ul>
 *   <li>{@code hakit.upstream.endpoint.up} — 1 while the endpoint takes traffic, else 0</li>
 *   <li>{@code hakit.upstream.endpoint.active} — calls in flight</li>
 *   <li>{@code hakit.upstream.endpoint.calls} — completed calls, tagged {@code outcome=success|failure}</li>
 *   <li>{@code hakit.upstream.retries}, {@code hakit.upstream.exhausted}, {@code hakit.upstream.state.changes}</li>
 * </ul>
 * Each endpoint meter reads its own endpoint's row ({@link Upstream#status(String)}, O(1)), so a scrape costs O(N),
 * not a whole status table per meter. Binding again (to the same or another registry) never counts an event
 * twice: the upstream counts its events itself ({@link Upstream#eventCounts()}). Endpoints added later ({@link Upstream#setEndpoints}, new
 * per-call candidates) are picked up by binding again.
 */
public final class UpstreamMetrics implements MeterBinder {
    private final Upstream upstream;
    public UpstreamMetrics(Upstream upstream) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags base = Tags.of("upstream", upstream.name());
        for (EndpointStatus e : upstream.status().endpoints()) {
            String endpoint = e.name();
            Tags tags = base.and("endpoint", endpoint);
            Gauge.builder("hakit.upstream.endpoint.up", upstream, value(endpoint, s -> s.state().takesTraffic() ? 1 : 0))
                    .tags(tags).description("1 while the endpoint takes traffic").register(registry);
            Gauge.builder("hakit.upstream.endpoint.active", upstream, value(endpoint, EndpointStatus::activeCalls))
                    .tags(tags).description("calls in flight").register(registry);
            FunctionCounter.builder("hakit.upstream.endpoint.calls", upstream, value(endpoint, EndpointStatus::successes))
                    .tags(tags.and("outcome", "success")).register(registry);
            FunctionCounter.builder("hakit.upstream.endpoint.calls", upstream, value(endpoint, EndpointStatus::failures))
                    .tags(tags.and("outcome", "failure")).register(registry);
        }
        // counted by the upstream itself: binding twice, or two binders, cannot count an event twice
        FunctionCounter.builder("hakit.upstream.retries", upstream, u -> u.eventCounts().retries()).tags(base)
                .register(registry);
        FunctionCounter.builder("hakit.upstream.exhausted", upstream, u -> u.eventCounts().exhausted()).tags(base)
                .register(registry);
        FunctionCounter.builder("hakit.upstream.state.changes", upstream, u -> u.eventCounts().stateChanges())
                .tags(base).register(registry);
    }

    private static ToDoubleFunction<Upstream> value(String endpoint, ToDoubleFunction<EndpointStatus> f) {
        return u -> {
            EndpointStatus s = u.status(endpoint);
            return s == null ? Double.NaN : f.applyAsDouble(s); // NaN: removed
        };
    }
}
