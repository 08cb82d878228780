package io.github.hakit.dubbo.spring;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.net.URL;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The jar carries Spring Boot configuration metadata for every hakit.dubbo property, with descriptions. */
class ConfigurationMetadataTest {
    @Test
    void metadataNamesTheSwitchAndTheProviderAndConsumerProperties() throws Exception {
        String json = null;
        // every hakit jar carries one; this module's is the one naming hakit.dubbo
        for (URL url : Collections.list(getClass().getClassLoader().getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (text.contains("\"hakit.dubbo.")) {
                    json = text;
                }
            }
        }
        assertNotNull(json, "no META-INF/spring-configuration-metadata.json for hakit.dubbo (configuration processor)");
        for (String name : List.of("hakit.dubbo.enabled", "hakit.dubbo.provider.enabled", "hakit.dubbo.provider.zone",
                "hakit.dubbo.provider.internal-address", "hakit.dubbo.provider.preferred-cidrs",
                "hakit.dubbo.consumer.enabled", "hakit.dubbo.consumer.zone", "hakit.dubbo.consumer.max-fails",
                "hakit.dubbo.consumer.fail-timeout")) {
            assertTrue(json.contains("\"name\": \"" + name + "\""), name + " missing from the metadata");
        }
        assertTrue(json.contains("\"description\""), "descriptions missing");
    }
}
