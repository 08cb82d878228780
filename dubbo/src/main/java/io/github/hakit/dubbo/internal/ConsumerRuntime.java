package io.github.hakit.dubbo.internal;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import io.github.hakit.core.Upstream;
import io.github.hakit.dubbo.ConsumerOptions;
import org.apache.dubbo.common.URL;

/** Per-application consumer state (the options), found through the application's bean factory. Not API. */
public final class ConsumerRuntime {
    private final ConsumerOptions options;
    private final Set<Upstream> upstreams = ConcurrentHashMap.newKeySet();
    private final List<java.util.function.Consumer<Upstream>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ConsumerRuntime(ConsumerOptions options) {
        this.options = options;
    }

    public ConsumerOptions options() {
        return options;
    }

    /** The upstreams of this application's {@code hakit} cluster invokers, one per reference. */
    public List<Upstream> upstreams() {
        return List.copyOf(upstreams);
    }

    void register(Upstream upstream) {
        upstreams.add(upstream);
        changed(upstream);
    }

    /** The upstream is new or its providers changed: tell the listeners. */
    void changed(Upstream upstream) {
        for (java.util.function.Consumer<Upstream> listener : listeners) {
            listener.accept(upstream);
        }
    }

    /** Calls {@code listener} for every upstream created, or whose providers change, from now on (metrics bind late references and providers this way). */
    public void onNewUpstream(java.util.function.Consumer<Upstream> listener) {
        listeners.add(listener);
    }

    void unregister(Upstream upstream) {
        upstreams.remove(upstream);
    }

    /** The runtime of the application {@code consumerUrl} belongs to, or null when hakit is not installed. */
    static ConsumerRuntime of(URL consumerUrl) {
        if (consumerUrl == null || consumerUrl.getOrDefaultApplicationModel() == null) {
            return null;
        }
        return consumerUrl.getOrDefaultApplicationModel().getBeanFactory().getBean(ConsumerRuntime.class);
    }
}
