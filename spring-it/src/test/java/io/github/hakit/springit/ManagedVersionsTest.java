package io.github.hakit.springit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client versions this application really runs with are the ones its Spring Boot version manages (passed in by
 * the module's POM from spring-boot-starter-parent), not the ones hakit was compiled against; RocketMQ's is hakit's
 * (Spring Boot does not manage it). The tests of the same module run on exactly these jars.
 */
class ManagedVersionsTest {
    private static final Logger log = LoggerFactory.getLogger(ManagedVersionsTest.class);

    @Test
    void clientsAreTheVersionsSpringBootManages() throws Exception {
        Map<String, String[]> expected = new LinkedHashMap<>();
        expected.put("spring-boot", new String[] {property("boot.version"),
            version(org.springframework.boot.SpringApplication.class)});
        expected.put("amqp-client", new String[] {property("boot.amqp-client.version"),
            com.rabbitmq.client.impl.ClientVersion.VERSION});
        expected.put("netty", new String[] {property("boot.netty.version"),
            io.netty.util.Version.identify().get("netty-common").artifactVersion()});
        expected.put("commons-lang3", new String[] {property("boot.commons-lang3.version"),
            version(org.apache.commons.lang3.StringUtils.class)});
        expected.put("rocketmq-client (hakit's)", new String[] {property("hakit.rocketmq.version"),
            org.apache.rocketmq.common.MQVersion.getVersionDesc(org.apache.rocketmq.common.MQVersion.CURRENT_VERSION)
                    .replace("V", "").replace('_', '.')});
        StringBuilder table = new StringBuilder("\n| library | managed | on the class path |\n|---|---|---|\n");
        expected.forEach((k, v) -> table.append("| ").append(k).append(" | ").append(v[0]).append(" | ")
                .append(v[1]).append(" |\n"));
        log.info("client versions of this Spring Boot application:{}", table);
        expected.forEach((k, v) -> assertEquals(v[0], v[1], k));
    }

    private static String property(String name) {
        String v = System.getProperty(name);
        if (v == null) {
            throw new IllegalStateException("system property " + name + " not set by the POM");
        }
        return v;
    }

    private static String version(Class<?> type) {
        String v = type.getPackage().getImplementationVersion();
        return v != null ? v : "(unknown)";
    }
}
