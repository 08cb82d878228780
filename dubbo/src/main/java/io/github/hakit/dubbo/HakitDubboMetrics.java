package io.github.hakit.dubbo;

import java.util.Objects;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.UpstreamStatus;
import io.github.hakit.core.metrics.UpstreamMetrics;
import io.github.hakit.dubbo.internal.ConsumerRuntime;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.dubbo.rpc.model.ApplicationModel;

/**
 * Micrometer meters for the application's {@value HakitDubbo#CLUSTER} references (Micrometer is optional; this
 * class is only loaded when used). A reference's upstream exists from its first call; references created after
 * {@link #bindTo} are bound when they appear.
 *
 * <pre>{@code
 * new HakitDubboMetrics(applicationModel).bindTo(registry);
 * }</pre>
 *
 * Meters: {@code hakit.dubbo.references} (gauge: hakit references of the application, tag {@code application});
 * per reference, tag {@code upstream} ({@code dubbo:<interface>}): {@code hakit.dubbo.reference.providers}
 * (gauge, tag {@code state=available|total}: providers that take traffic / all providers), plus core's
 * per-provider meters ({@link UpstreamMetrics}: {@code hakit.upstream.endpoint.up|active|calls},
 * {@code hakit.upstream.retries|exhausted|state.changes}). Providers that appear later are picked up by binding
 * again.
 */
public final class HakitDubboMetrics implements MeterBinder {
    private final ApplicationModel application;

    public HakitDubboMetrics(ApplicationModel application) {
        this.application = Objects.requireNonNull(application, "application");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        Gauge.builder("hakit.dubbo.references", application, a -> HakitDubbo.upstreams(a).size())
                .tags(Tags.of("application", String.valueOf(application.getApplicationName())))
                .description("references routed by the hakit cluster").register(registry);
        ConsumerRuntime runtime = application.getBeanFactory().getBean(ConsumerRuntime.class);
        if (runtime == null) {
            return;
        }
        runtime.onNewUpstream(upstream -> bind(upstream, registry));
        for (Upstream upstream : runtime.upstreams()) {
            bind(upstream, registry);
        }
    }

    private static void bind(Upstream upstream, MeterRegistry registry) {
        Tags tags = Tags.of("upstream", upstream.name());
        Gauge.builder("hakit.dubbo.reference.providers", upstream, u -> u.status().available())
                .tags(tags.and("state", "available")).description("providers that take traffic").register(registry);
        Gauge.builder("hakit.dubbo.reference.providers", upstream, u -> total(u.status()))
                .tags(tags.and("state", "total")).description("providers in the directory").register(registry);
        new UpstreamMetrics(upstream).bindTo(registry);
    }

    private static int total(UpstreamStatus status) {
        return status.endpoints().size();
    }
}
