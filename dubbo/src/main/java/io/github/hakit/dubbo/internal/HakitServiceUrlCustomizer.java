package io.github.hakit.dubbo.internal;

import org.apache.dubbo.common.URL;
import org.apache.dubbo.registry.integration.ServiceURLCustomizer;
import org.apache.dubbo.rpc.model.ApplicationModel;

/**
 * Dubbo extension (registered in {@code META-INF/dubbo/org.apache.dubbo.registry.integration.ServiceURLCustomizer}):
 * rewrites the URL a provider writes to the registry when the application installed
 * {@link io.github.hakit.dubbo.ProviderOptions}. Dubbo calls it after the server is bound and before
 * registering ({@code RegistryProtocol#export}), so the consistency check can connect to the server.
 * Runs after Dubbo's own {@code DefaultServiceURLCustomizer} (lowest priority), so a simplified
 * registry URL keeps hakit's parameters.
 */
public final class HakitServiceUrlCustomizer implements ServiceURLCustomizer {
    @Override
    public URL customize(URL serviceURL, ApplicationModel applicationModel) {
        ProviderRuntime runtime = applicationModel.getBeanFactory().getBean(ProviderRuntime.class);
        return runtime == null ? serviceURL : runtime.customize(serviceURL, applicationModel);
    }

    @Override
    public int getPriority() {
        return MIN_PRIORITY;
    }
}
