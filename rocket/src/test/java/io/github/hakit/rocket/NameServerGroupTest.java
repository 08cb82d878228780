package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.config.ConfigParseException;
import io.github.hakit.testkit.Ports;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Address forms and start-up state; health behaviour against real NameServers is in the ITs. */
class NameServerGroupTest {
    private final int p1 = Ports.freePort();
    private final int p2 = Ports.freePort();

    @Test
    void nginxServerLinesBecomeTheNameServersAndDownServersAreNeverUsed() {
        try (NameServerGroup group = NameServerGroup.builder("nginx").nginxUpstream("""
                upstream rocketmq_namesrv {
                    server 127.0.0.1:%d max_fails=2 fail_timeout=30s;
                    server 127.0.0.1:%d down;
                }
                """.formatted(p1, p2)).checkInterval(Duration.ofSeconds(30)).build().start()) {
            assertEquals(List.of("127.0.0.1:" + p1), group.healthyAddresses());
            assertEquals("127.0.0.1:" + p1, group.namesrvAddr());
            assertEquals(2, group.clusterView().nameServers().size());
            assertTrue(group.clusterView().nameServers().get(1).state().startsWith("MAINT"),
                    group.clusterView().toString());
        }
    }

    @Test
    void haproxyServersKeepTheirOwnCheckSettingsAndDisabledOnesAreNeverUsed() {
        try (NameServerGroup group = NameServerGroup.builder("haproxy").haproxyBackend("""
                backend rocketmq_namesrv
                    server ns1 127.0.0.1:%d check inter 30s rise 2 fall 3
                    server ns2 127.0.0.1:%d check inter 30s disabled
                """.formatted(p1, p2)).build().start()) {
            assertEquals(List.of("127.0.0.1:" + p1), group.healthyAddresses());
            assertEquals(2, group.upstream().status().endpoints().size());
        }
    }

    @Test
    void staticListsInRocketMqFormStartUpLikeHaproxyServers() {
        try (NameServerGroup group = NameServerGroup.builder("static")
                .addresses("127.0.0.1:" + p1 + ";127.0.0.1:" + p2).checkInterval(Duration.ofSeconds(30))
                .build().start()) {
            assertEquals(List.of("127.0.0.1:" + p1, "127.0.0.1:" + p2), group.healthyAddresses());
            assertTrue(group.clusterView().brokers().isEmpty());
        }
    }

    @Test
    void badConfigurationIsRejectedNamingTheProblem() {
        assertThrows(ConfigParseException.class, () -> NameServerGroup.builder("x")
                .nginxUpstream("upstream u { server 127.0.0.1:9876 wieght=2; }"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NameServerGroup.builder("x").addresses("127.0.0.1:99999"));
        assertTrue(e.getMessage().contains("127.0.0.1:99999"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> NameServerGroup.builder("x").build());
        assertThrows(IllegalArgumentException.class, () -> NameServerGroup.builder("x").rise(0));
    }

    @Test
    void passiveSettingsAreValidatedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NameServerGroup.builder("x").maxFails(-1));
        assertEquals("maxFails must be 0..100: -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NameServerGroup.builder("x").requestTimeout(Duration.ZERO));
        assertEquals("requestTimeout must be > 0: PT0S", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NameServerGroup.builder("x").failTimeout(Duration.ofSeconds(-1)));
        assertEquals("failTimeout must be > 0: PT-1S", e.getMessage());
    }
}
