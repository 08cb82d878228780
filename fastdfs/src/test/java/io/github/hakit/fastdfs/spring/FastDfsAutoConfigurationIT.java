package io.github.hakit.fastdfs.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.github.hakit.fastdfs.FastDfsClient;
import io.github.hakit.fastdfs.FastDfsHttp;
import io.github.hakit.fastdfs.FileId;
import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import io.github.hakit.testkit.fastdfs.TestStorage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;

/** The auto-configuration in a plain Spring context with {@code hakit.fastdfs.*} properties. */
class FastDfsAutoConfigurationIT {
    private static AnnotationConfigApplicationContext context(Map<String, Object> properties) {
        AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext();
        ctx.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test", properties));
        ctx.register(FastDfsAutoConfiguration.class, FastDfsObservabilityAutoConfiguration.class);
        ctx.refresh();
        return ctx;
    }

    @Test
    void nothingWithoutTrackers() {
        try (AnnotationConfigApplicationContext ctx = context(Map.of())) {
            assertFalse(ctx.containsBean("fastDfsClient"));
        }
    }

    @Test
    void aTrackerWithoutPortGetsTheTrackerPortNot80AndListsMaySplitOnSemicolonsAndSpaces() {
        try (AnnotationConfigApplicationContext ctx = context(Map.of("hakit.fastdfs.trackers",
                "127.0.0.2; 127.0.0.3:22123 server 127.0.0.4 max_fails=2 fail_timeout=30s;"))) {
            var endpoints = ctx.getBean(FastDfsClient.class).trackers().endpoints();
            assertEquals(java.util.List.of("127.0.0.2:22122", "127.0.0.3:22123", "127.0.0.4:22122"),
                    endpoints.stream().map(e -> e.address()).toList());
            assertEquals(2, endpoints.get(2).maxFails());
        }
    }

    @Test
    void aBadTrackerFailsNamingThePropertyTheValueAndTheExpectedForm() {
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> context(Map.of("hakit.fastdfs.trackers", "127.0.0.2:x")).close());
        var analysis = new io.github.hakit.core.spring.HakitFailureAnalyzer().analyze(e);
        assertNotNull(analysis, String.valueOf(e));
        org.junit.jupiter.api.Assertions.assertTrue(analysis.getDescription().contains("'hakit.fastdfs.trackers'")
                && analysis.getDescription().contains("127.0.0.2:x"), analysis.getDescription());
        org.junit.jupiter.api.Assertions.assertTrue(analysis.getAction().contains("22122"), analysis.getAction());
    }

    @Test
    void propertiesBuildAWorkingClientHealthAndMeters() {
        try (FastDfsTestCluster cluster = FastDfsTestCluster.builder().trackers(2).group("group1", 2).build();
                AnnotationConfigApplicationContext ctx = context(Map.of(
                        "hakit.fastdfs.trackers", cluster.trackerAddresses(),
                        "hakit.fastdfs.network-timeout", "1s",
                        "hakit.fastdfs.health-check.inter", "500ms",
                        "hakit.fastdfs.pool.max-per-endpoint", "4",
                        "hakit.fastdfs.http.enabled", "true",
                        "hakit.fastdfs.http.groups.group1",
                        "127.0.0.11:8080,127.0.0.12:8080 weight=2 max_fails=2 fail_timeout=30s"))) {
            FastDfsClient client = ctx.getBean(FastDfsClient.class);
            assertEquals(2, client.trackers().endpoints().size());
            FileId id = client.upload("spring".getBytes(StandardCharsets.UTF_8), "txt");
            assertEquals("spring", new String(client.downloadBytes(id), StandardCharsets.UTF_8));

            // the storage meters come as a MeterBinder bean (Spring Boot binds every MeterBinder to its registry)
            var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            ctx.getBean("hakitFastdfsStorageMetrics", io.micrometer.core.instrument.binder.MeterBinder.class)
                    .bindTo(registry);
            assertEquals(1.0, registry.find("hakit.fastdfs.storage.up").gauges().stream()
                    .mapToDouble(g -> g.value()).max().orElse(0), "a used storage has meters");

            HealthIndicator health = ctx.getBean("hakitFastdfsHealthIndicator", HealthIndicator.class);
            assertEquals(Status.UP, health.health().getStatus());
            cluster.storages("group1").forEach(TestStorage::stop);
            assertEquals(Status.DOWN, health.health().getStatus());
            cluster.storages("group1").forEach(TestStorage::start);
            assertEquals(Status.UP, health.health().getStatus());

            FastDfsHttp http = ctx.getBean(FastDfsHttp.class);
            assertEquals(2, http.upstream("group1").endpoints().get(1).weight());
            assertEquals(2, http.upstream("group1").endpoints().get(0).maxFails());
            assertNotNull(ctx.getBean("hakitFastdfsUpstream", io.github.hakit.core.spring.HakitUpstream.class));
            assertEquals(Duration.ofSeconds(1), ctx.getBean(FastDfsProperties.class).getNetworkTimeout());
        }
    }
}
