package io.github.hakit.dubbo.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.HostPort;
import io.github.hakit.dubbo.Cidr;
import io.github.hakit.dubbo.ConsumerOptions;
import io.github.hakit.dubbo.ProviderOptions;
import io.github.hakit.dubbo.internal.ConsumerRuntime;
import io.github.hakit.dubbo.internal.ProviderRuntime;
import org.apache.dubbo.rpc.model.ApplicationModel;
import org.apache.dubbo.rpc.model.FrameworkModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Status;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;

/** The auto-configuration in a plain Spring context, with the ApplicationModel bean Dubbo's Spring support registers. */
class HakitDubboAutoConfigurationTest {
    private final FrameworkModel framework = new FrameworkModel();
    private final ApplicationModel application = framework.newApplication();

    @AfterEach
    void destroy() {
        framework.destroy();
    }

    private AnnotationConfigApplicationContext context(Map<String, String> properties) {
        AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext();
        ctx.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test", new HashMap<>(properties)));
        ctx.getBeanFactory().registerSingleton(ApplicationModel.class.getName(), application);
        ctx.register(HakitDubboAutoConfiguration.class);
        ctx.refresh();
        return ctx;
    }

    @Test
    void propertiesBecomeProviderAndConsumerOptionsOfTheContextsDubboApplication() {
        try (AnnotationConfigApplicationContext ignored = context(Map.ofEntries(
                Map.entry("hakit.dubbo.provider.enabled", "true"),
                Map.entry("hakit.dubbo.provider.preferred-cidrs", "10.8.0.0/16, 192.168.0.0/16"),
                Map.entry("hakit.dubbo.provider.zone", "region-1"),
                Map.entry("hakit.dubbo.provider.internal-address", "10.8.0.5:20880"),
                Map.entry("hakit.dubbo.provider.consistency-check", "warn"),
                Map.entry("hakit.dubbo.provider.check-timeout", "500ms"),
                Map.entry("hakit.dubbo.consumer.enabled", "true"),
                Map.entry("hakit.dubbo.consumer.zone", "region-1"),
                Map.entry("hakit.dubbo.consumer.max-fails", "2"),
                Map.entry("hakit.dubbo.consumer.fail-timeout", "30s"),
                Map.entry("hakit.dubbo.consumer.balancer", "least_conn")))) {
            ProviderOptions provider = application.getBeanFactory().getBean(ProviderRuntime.class).options();
            assertEquals(List.of(Cidr.parse("10.8.0.0/16"), Cidr.parse("192.168.0.0/16")),
                    provider.registration().preferredCidrs());
            assertNull(provider.registration().host());
            assertEquals("region-1", provider.zone());
            assertEquals(new HostPort("10.8.0.5", 20880), provider.internalAddress());
            assertEquals(ProviderOptions.CheckMode.WARN, provider.consistencyCheck());
            assertEquals(Duration.ofMillis(500), provider.checkTimeout());

            ConsumerOptions consumer = application.getBeanFactory().getBean(ConsumerRuntime.class).options();
            assertEquals("region-1", consumer.zone());
            assertEquals(2, consumer.maxFails());
            assertEquals(Duration.ofSeconds(30), consumer.failTimeout());
            assertEquals(Balancer.LEAST_CONN, consumer.balancer());
            assertTrue(consumer.idempotent());
        }
    }

    @Test
    void withTheConsumerOnAnActuatorHealthIndicatorReportsTheReferences() {
        try (AnnotationConfigApplicationContext ctx = context(Map.of("hakit.dubbo.consumer.enabled", "true"))) {
            HakitDubboHealthIndicator health = ctx.getBean("hakitDubboHealthIndicator", HakitDubboHealthIndicator.class);
            assertEquals(Status.UP, health.health().getStatus(), "no hakit reference yet: nothing is down");
        }
        try (AnnotationConfigApplicationContext ctx = context(Map.of("hakit.dubbo.provider.enabled", "true"))) {
            assertFalse(ctx.containsBean("hakitDubboHealthIndicator"));
        }
    }

    @Test
    void nothingIsInstalledUnlessEnabled() {
        try (AnnotationConfigApplicationContext ignored = context(Map.of("hakit.dubbo.provider.zone", "x"))) {
            assertNull(application.getBeanFactory().getBean(ProviderRuntime.class));
            assertNull(application.getBeanFactory().getBean(ConsumerRuntime.class));
        }
    }

    @Test
    void aBadCidrFailsTheContextNamingIt() {
        Exception e = assertThrows(Exception.class, () -> context(Map.of(
                "hakit.dubbo.provider.enabled", "true",
                "hakit.dubbo.provider.preferred-cidrs", "10.0.0.0/40")));
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        assertTrue(all.toString().contains("bad CIDR '10.0.0.0/40': prefix 40 out of range 0..32"), all.toString());
    }

    @Test
    void hakitDubboEnabledFalseTurnsEverythingOff() {
        try (AnnotationConfigApplicationContext ctx = context(Map.of("hakit.dubbo.enabled", "false",
                "hakit.dubbo.consumer.enabled", "true", "hakit.dubbo.provider.enabled", "true"))) {
            assertFalse(ctx.containsBean("hakitDubboHealthIndicator"));
            assertTrue(ctx.getBeansOfType(HakitDubboAutoConfiguration.HakitDubboInstaller.class).isEmpty());
            assertNull(application.getBeanFactory().getBean(ProviderRuntime.class));
            assertNull(application.getBeanFactory().getBean(ConsumerRuntime.class));
        }
    }

    @Test
    void anAppWithoutDubboConfigurationDoesNotGetDubbosDefaultApplication() {
        int frameworks = FrameworkModel.getAllInstances().size();
        AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext();
        ctx.register(HakitDubboAutoConfiguration.class);
        ctx.refresh();
        try (ctx) {
            assertEquals(frameworks, FrameworkModel.getAllInstances().size(),
                    "hakit created a Dubbo framework/application in an app that configures no Dubbo");
        }
    }
}
