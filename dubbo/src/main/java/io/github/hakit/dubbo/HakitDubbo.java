package io.github.hakit.dubbo;

import java.util.List;
import java.util.Objects;
import io.github.hakit.core.Upstream;
import io.github.hakit.dubbo.internal.ConsumerRuntime;
import io.github.hakit.dubbo.internal.ProviderRuntime;
import org.apache.dubbo.rpc.model.ApplicationModel;

/**
 * Turns hakit on for a Dubbo application. The Dubbo extensions ship in this jar and stay inactive
 * until an application installs options:
 * <ul>
 *   <li>provider: a {@code ServiceURLCustomizer} registers the address chosen by
 *       {@link RegistrationConfig} (plus zone and internal address), after checking at startup that the
 *       address reaches this provider;</li>
 *   <li>consumer: an {@code AddressListener} uses a provider's internal address when it is in the
 *       consumer's zone, and the {@value #CLUSTER} cluster routes calls through a hakit-core
 *       {@code Upstream}: own-zone providers first, Nginx passive health, next-upstream retries.</li>
 * </ul>
 *
 * <pre>{@code
 * DubboBootstrap bootstrap = DubboBootstrap.getInstance();
 * HakitDubbo.installProvider(bootstrap.getApplicationModel(), ProviderOptions.builder()
 *     .registration(RegistrationConfig.builder().host("203.0.113.7").build()).zone("region-1").build());
 * HakitDubbo.installConsumer(bootstrap.getApplicationModel(), ConsumerOptions.builder().zone("region-1").build());
 * reference.setCluster(HakitDubbo.CLUSTER);
 * bootstrap.application("api").registry(HakitZooKeeper.registry(zk)).reference(reference).start();
 * }</pre>
 * Install before {@code bootstrap.start()}.
 */
public final class HakitDubbo {
    /** Registered-URL parameter: the provider's zone. */
    public static final String ZONE_KEY = "hakit.zone";
    /** Registered-URL parameter: the provider's internal {@code host:port}. */
    public static final String INTERNAL_KEY = "hakit.internal";
    /** Parameter added by the consumer's listener: the registered (external) address it replaced. */
    public static final String EXTERNAL_KEY = "hakit.external";
    /** Name of the cluster extension: {@code reference.setCluster(HakitDubbo.CLUSTER)}. */
    public static final String CLUSTER = "hakit";

    private HakitDubbo() {
    }

    /** Installs provider options for every service this application exports from now on. */
    public static void installProvider(ApplicationModel application, ProviderOptions options) {
        Objects.requireNonNull(application, "application");
        application.getBeanFactory().registerBean(new ProviderRuntime(Objects.requireNonNull(options, "options")));
    }

    /**
     * The upstreams of the application's {@value #CLUSTER} references (one per reference, created on its
     * first call), for status pages and metrics: {@code upstream.status().render()}. Empty when hakit's
     * consumer side is not installed.
     */
    public static List<Upstream> upstreams(ApplicationModel application) {
        Objects.requireNonNull(application, "application");
        ConsumerRuntime runtime = application.getBeanFactory().getBean(ConsumerRuntime.class);
        return runtime == null ? List.of() : runtime.upstreams();
    }

    /** Installs consumer options for every reference of this application. */
    public static void installConsumer(ApplicationModel application, ConsumerOptions options) {
        Objects.requireNonNull(application, "application");
        application.getBeanFactory().registerBean(new ConsumerRuntime(Objects.requireNonNull(options, "options")));
    }
}
