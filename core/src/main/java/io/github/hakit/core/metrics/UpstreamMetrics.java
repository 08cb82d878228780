package io.github.hakit.core.metrics;

import io.github.hakit.core.EndpointStatus;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.event.UpstreamListener;
import io.micrometer.core.instrument.Counter;
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
 * Meters, tagged {@code upstream} (and {@code endpoint} per endpoint):
 * <ul>
 *   <li>{@code hakit.upstream.endpoint.up} — 1 while the endpoint takes traffic, else 0</li>
 *   <li>{@code hakit.upstream.endpoint.active} — calls in flight</li>
 *   <li>{@code hakit.upstream.endpoint.calls} — completed calls, tagged {@code outcome=success|failure}</li>
 *   <li>{@code hakit.upstream.retries}, {@code hakit.upstream.exhausted}, {@code hakit.upstream.state.changes}</li>
 * </ul>
 * Endpoints added later by {@link Upstream#setEndpoints} are picked up by binding again.
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
        Counter retries = Counter.builder("hakit.upstream.retries").tags(base).register(registry);
        Counter exhausted = Counter.builder("hakit.upstream.exhausted").tags(base).register(registry);
        Counter changes = Counter.builder("hakit.upstream.state.changes").tags(base).register(registry);
        upstream.addListener(new UpstreamListener() {
            @Override
            public void onRetry(Retry event) {
                retries.increment();
            }

            @Override
            public void onExhausted(Exhausted event) {
                exhausted.increment();
            }

            @Override
            public void onStateChange(StateChange event) {
                changes.increment();
            }
        });
    }

    private static ToDoubleFunction<Upstream> value(String endpoint, ToDoubleFunction<EndpointStatus> f) {
        return u -> {
            for (EndpointStatus s : u.status().endpoints()) {
                if (s.name().equals(endpoint)) {
                    return f.applyAsDouble(s);
                }
            }
            return Double.NaN; // removed
        };
    }
}
