package io.github.hakit.dubbo.internal;

import io.github.hakit.dubbo.ConsumerOptions;
import org.apache.dubbo.common.URL;

/** Per-application consumer state (the options), found through the application's bean factory. Not API. */
public final class ConsumerRuntime {
    private final ConsumerOptions options;

    public ConsumerRuntime(ConsumerOptions options) {
        this.options = options;
    }

    public ConsumerOptions options() {
        return options;
    }

    /** The runtime of the application {@code consumerUrl} belongs to, or null when hakit is not installed. */
    static ConsumerRuntime of(URL consumerUrl) {
        if (consumerUrl == null || consumerUrl.getOrDefaultApplicationModel() == null) {
            return null;
        }
        return consumerUrl.getOrDefaultApplicationModel().getBeanFactory().getBean(ConsumerRuntime.class);
    }
}
