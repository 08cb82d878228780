package io.github.hakit.fastdfs;

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
 * Micrometer meters for the storages a {@link FastDfsClient} uses (Micrometer is an optional dependency). Storages
 * are learned from the trackers, so each gets its meters when a call first uses it, tagged
 * {@code storage=host:port}:
 * <ul>
 *   <li>{@code hakit.fastdfs.storage.calls} (function counter, {@code outcome=success|failure}): attempts on it;</li>
 *   <li>{@code hakit.fastdfs.storage.up} (gauge): 1 while it takes calls, 0 while it is out (failed within
 *       {@code storageFailTimeout});</li>
 *   <li>{@code hakit.fastdfs.storage.active} (gauge): calls in flight on it.</li>
 * </ul>
 * The Spring Boot auto-configuration registers it as a {@link MeterBinder} bean.
 *
 * <pre>{@code
 * new FastDfsStorageMetrics(client).bindTo(meterRegistry);
 * }</pre>
 */
public final class FastDfsStorageMetrics implements MeterBinder {
    private final FastDfsClient client;

    public FastDfsStorageMetrics(FastDfsClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Upstream storages = client.storages();
        client.watchStorages(storage -> register(registry, storages, storage));
    }

    private static void register(MeterRegistry registry, Upstream storages, String storage) {
        Tags tags = Tags.of("storage", storage);
        FunctionCounter.builder("hakit.fastdfs.storage.calls", storages, value(storage, EndpointStatus::successes))
                .tags(tags.and("outcome", "success")).description("attempts on the storage").register(registry);
        FunctionCounter.builder("hakit.fastdfs.storage.calls", storages, value(storage, EndpointStatus::failures))
                .tags(tags.and("outcome", "failure")).description("attempts on the storage").register(registry);
        Gauge.builder("hakit.fastdfs.storage.up", storages, value(storage, s -> s.state().takesTraffic() ? 1 : 0))
                .tags(tags).description("1 while the storage takes calls, 0 while it is out").register(registry);
        Gauge.builder("hakit.fastdfs.storage.active", storages, value(storage, EndpointStatus::activeCalls))
                .tags(tags).description("calls in flight on the storage").register(registry);
    }

    private static ToDoubleFunction<Upstream> value(String storage, ToDoubleFunction<EndpointStatus> f) {
        return u -> {
            EndpointStatus s = u.status(storage);
            return s == null ? Double.NaN : f.applyAsDouble(s);
        };
    }
}
