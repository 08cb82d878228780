package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.github.hakit.dubbo.fixture.Greeter;
import io.github.hakit.dubbo.fixture.GreeterImpl;
import io.github.hakit.dubbo.fixture.RegistryView;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.zookeeper.ZooKeeperExtension;
import io.github.hakit.testkit.zookeeper.ZooKeeperTestServer;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.common.config.configcenter.DynamicConfiguration;
import org.apache.dubbo.common.config.configcenter.wrapper.CompositeDynamicConfiguration;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.model.FrameworkModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's provider and consumer code, statement for statement, with Dubbo's defaults left alone: the
 * ZooKeeper registry is also Dubbo's config centre and metadata centre (Dubbo needs {@code curator-recipes}
 * for that; without it every export failed with {@code NoClassDefFoundError: .../NodeCacheListener}, issue
 * 16 point 1), and {@code register-mode} stays {@code all}. Differences, all forced by the loopback rule: each
 * side gets its own {@link FrameworkModel} instead of {@code DubboBootstrap.getInstance()}, the protocol binds a
 * loopback host, the registration allows loopback, QoS is off (it would listen on every interface) and the
 * registry file cache is off. The same code runs unchanged on real addresses in {@code Seed002IT}'s lab JVMs.
 */
@ExtendWith(ZooKeeperExtension.class)
class ReadmeSetupIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void readmeProviderAndConsumerStartWithDubboDefaultsAndCallThroughHakit(ZooKeeperTestServer server) throws Exception {
        ZooKeeperSettings zk = ZooKeeperSettings.builder(server.connectString()).fileCache(false).build();
        int port = Ports.freePort("zone-a-host1");

        // ---- README "Provider"
        DubboBootstrap provider = DubboBootstrap.newInstance(new FrameworkModel());
        ApplicationConfig app = new ApplicationConfig("readme-provider");
        app.setQosEnable(false);
        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        protocol.setHost("zone-a-host1");
        ServiceConfig<Greeter> service = new ServiceConfig<>();
        service.setInterface(Greeter.class);
        service.setRef(new GreeterImpl("readme"));
        DubboBootstrap consumer = DubboBootstrap.newInstance(new FrameworkModel());
        try {
            HakitDubbo.installProvider(provider.getApplicationModel(), ProviderOptions.builder()
                    .registration(RegistrationConfig.builder().host("zone-a-host1").allowLoopback(true).build())
                    .zone("region-1")
                    .build());
            provider.application(app).registry(HakitZooKeeper.registryConfig(zk)).protocol(protocol).service(service)
                    .start();

            // Dubbo's defaults are in force: the registry is the config centre (the curator-recipes path)
            DynamicConfiguration configCentre = provider.getApplicationModel().modelEnvironment()
                    .getDynamicConfiguration().orElseThrow();
            assertTrue(((CompositeDynamicConfiguration) configCentre).getInnerConfigurations().stream()
                    .anyMatch(c -> c.getClass().getSimpleName().startsWith("Zookeeper")), configCentre::toString);
            try (RegistryView registry = new RegistryView(server.connectString())) {
                List<URL> urls = registry.providers(Greeter.class);
                assertEquals(1, urls.size(), urls::toString);
                assertEquals("region-1", urls.get(0).getParameter(HakitDubbo.ZONE_KEY));
                // the internal address defaults to what the provider binds
                assertEquals("zone-a-host1:" + port, urls.get(0).getParameter(HakitDubbo.INTERNAL_KEY));
            }

            // ---- README "Consumer"
            ApplicationConfig consumerApp = new ApplicationConfig("readme-consumer");
            consumerApp.setQosEnable(false);
            ReferenceConfig<Greeter> reference = new ReferenceConfig<>();
            reference.setInterface(Greeter.class);
            HakitDubbo.installConsumer(consumer.getApplicationModel(), ConsumerOptions.builder()
                    .zone("region-1")
                    .maxFails(2).failTimeout(Duration.ofSeconds(30))
                    .build());
            reference.setCluster(HakitDubbo.CLUSTER);
            reference.setParameters(new HashMap<>(Map.of("migration.step", "FORCE_INTERFACE")));
            consumer.application(consumerApp).registry(HakitZooKeeper.registryConfig(zk)).reference(reference).start();

            Greeter greeter = reference.get();
            Await.until(WAIT, () -> HakitDubbo.upstreams(consumer.getApplicationModel()).size() == 1
                    || callQuietly(greeter), () -> "the README consumer to call the README provider");
            for (int i = 0; i < 20; i++) {
                assertTrue(greeter.whoAmI().startsWith("readme "));
            }
            assertEquals(1, HakitDubbo.upstreams(consumer.getApplicationModel()).size());
        } finally {
            consumer.destroy();
            provider.destroy();
        }
    }

    private static boolean callQuietly(Greeter greeter) {
        try {
            greeter.whoAmI();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
