package io.github.hakit.springit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.hakit.core.spring.HakitEndpoint;
import io.github.hakit.core.spring.UnknownPropertyFailureAnalyzer;
import io.github.hakit.fastdfs.FastDfsClient;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What a Spring Boot user sees of hakit's properties, without any server: IDE metadata for every property, a typo
 * that stops the application with a hint instead of silently switching hakit off, the standard ports, and the
 * {@code hakit} endpoint refusing writes by default.
 */
class HakitPropertiesTest {
    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = {"org.springframework.boot.autoconfigure.amqp.RabbitAutoConfiguration",
        "org.apache.rocketmq.spring.autoconfigure.RocketMQAutoConfiguration"})
    static class App {
    }

    private static ConfigurableApplicationContext run(String... properties) {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).properties(properties).run();
    }

    @Test
    void everyHakitPropertyHasADescriptionInTheIdeMetadata() throws Exception {
        List<String> names = new ArrayList<>();
        List<String> undescribed = new ArrayList<>();
        for (URL url : Collections.list(getClass().getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            JsonNode root = new ObjectMapper().readTree(url);
            for (JsonNode p : root.path("properties")) {
                String name = p.path("name").asText();
                if (name.startsWith("hakit.") || name.startsWith("management.endpoint.hakit")) {
                    names.add(name);
                    if (p.path("description").asText().isBlank()) {
                        undescribed.add(name);
                    }
                }
            }
        }
        for (String expected : List.of("hakit.fastdfs.enabled", "hakit.fastdfs.trackers", "hakit.rabbit.enabled",
                "hakit.rabbit.virtual-host", "hakit.rabbit.spring-amqp.enabled", "hakit.rabbit.health-check.inter",
                "hakit.rocket.enabled", "hakit.rocket.rocketmq-spring.enabled", "hakit.rocket.health.required",
                "management.endpoint.hakit.write-enabled")) {
            assertTrue(names.contains(expected), expected + " in " + names);
        }
        assertEquals(List.of(), undescribed);
    }

    @Test
    void aTypoStopsTheApplicationAndNamesTheIntendedProperty() {
        Exception e = assertThrows(Exception.class, () -> run("hakit.rabbit.address=10.0.0.1:5672").close());
        FailureAnalysis analysis = new UnknownPropertyFailureAnalyzer().analyze(e);
        assertNotNull(analysis, String.valueOf(e));
        assertTrue(analysis.getDescription().contains("hakit.rabbit.address"), analysis.getDescription());
        assertTrue(analysis.getAction().contains("did you mean hakit.rabbit.addresses"), analysis.getAction());
    }

    @Test
    void trackersWithoutPortUseTheTrackerPortAndTheEndpointRefusesWritesByDefault() {
        try (ConfigurableApplicationContext ctx = run("hakit.fastdfs.trackers=127.0.0.2;127.0.0.3",
                "management.endpoints.web.exposure.include=health,hakit")) {
            assertEquals(List.of("127.0.0.2:22122", "127.0.0.3:22122"), ctx.getBean(FastDfsClient.class).trackers()
                    .endpoints().stream().map(e -> e.address()).toList());
            HakitEndpoint endpoint = ctx.getBean(HakitEndpoint.class);
            Map<?, ?> all = endpoint.upstreams();
            assertEquals(1, all.size(), all.toString());
            String upstream = (String) all.keySet().iterator().next();
            Map<?, ?> described = (Map<?, ?>) all.get(upstream);
            assertTrue(((List<?>) described.get("table")).get(0).toString().startsWith("upstream "), described.toString());
            WebEndpointResponse<?> refused = endpoint.operate(upstream, "127.0.0.2:22122", "drain", null);
            assertEquals(403, refused.getStatus());
        }
        try (ConfigurableApplicationContext ctx = run("hakit.fastdfs.trackers=127.0.0.2;127.0.0.3",
                "management.endpoints.web.exposure.include=health,hakit", "management.endpoint.hakit.write-enabled=true",
                // no tracker listens on these addresses: with checks on, a failed check may turn the drained node
                // DOWN before the assertion (HAProxy shows DOWN, not DRAIN, for a drained server that is down)
                "hakit.fastdfs.health-check.enabled=false")) {
            HakitEndpoint endpoint = ctx.getBean(HakitEndpoint.class);
            String upstream = (String) endpoint.upstreams().keySet().iterator().next();
            String node = ctx.getBean(FastDfsClient.class).trackers().endpoints().get(0).name();
            assertEquals(200, endpoint.operate(upstream, node, "drain", null).getStatus());
            assertEquals("DRAIN", ctx.getBean(FastDfsClient.class).trackers().status().endpoint(node).statusText());
            assertEquals(400, endpoint.operate(upstream, node, "reboot", null).getStatus());
        }
    }
}
