package io.github.hakit.core.spring;

import io.github.hakit.core.metrics.UpstreamMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * Binds core's {@link UpstreamMetrics} ({@code hakit.upstream.*}) once per {@link HakitUpstream} bean and registry:
 * the one place that registers the per-node meters of every hakit module, so no upstream is counted twice however
 * often Spring Boot binds (one call per registry; a registry bound again is skipped).
 *
 * <pre>{@code
 * new HakitUpstreamMetrics(() -> List.of(new HakitUpstream("rabbit", cluster.upstream(), true))).bindTo(registry);
 * }</pre>
 */
public class HakitUpstreamMetrics implements MeterBinder {
    private final Supplier<List<HakitUpstream>> upstreams;
    /** Registries already bound, per upstream name (weak: a closed registry is forgotten). */
    private final Map<MeterRegistry, Set<String>> bound = new WeakHashMap<>();

    public HakitUpstreamMetrics(Supplier<List<HakitUpstream>> upstreams) {
        this.upstreams = Objects.requireNonNull(upstreams, "upstreams");
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Set<String> done = bound.computeIfAbsent(registry, r -> new java.util.HashSet<>());
        for (HakitUpstream u : upstreams.get()) {
            if (done.add(u.name())) {
                new UpstreamMetrics(u.upstream()).bindTo(registry);
            }
        }
    }
}
