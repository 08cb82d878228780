package io.github.hakit.core;

import io.github.hakit.core.health.HealthCheckConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.config.ConfigParseException;
import io.github.hakit.core.config.HaproxyBackendParser;
import io.github.hakit.core.config.NginxUpstreamParser;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The configuration edges #14 found (point 6), each failing before the fix. */
class ConfigEdgesTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:٨٠", "127.0.0.1:８０", "127.0.0.1:+80", "127.0.0.1:-80", "127.0.0.1:080000",
        "127.0.0.1: 80", "hoßt:80"})
    void hostPortTakesAsciiDigitsAndHostCharactersOnly(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(value));
        assertTrue(e.getMessage().startsWith("malformed host:port: "), e.getMessage());
    }

    @Test
    void aUriWithAPasswordGivenAsHostPortIsNotEchoed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HostPort.parse("amqp://app:s3cret@127.0.0.1:5672"));
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.parseList("app:s3cret@10.0.0.1:5672"));
        assertFalse(e2.getMessage().contains("s3cret"), e2.getMessage());
    }

    @Test
    void hugeDurationsFailWithAClearMessageNotAnOverflowAtBuild() {
        // fail_timeout=106751991166d parsed, then Upstream.build() threw ArithmeticException: long overflow
        ConfigParseException e = assertThrows(ConfigParseException.class,
                () -> NginxUpstreamParser.parse("upstream u { server a:80 fail_timeout=106751991166d; }"));
        assertTrue(e.getMessage().contains("above 36500 days"), e.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.builder("a", 80).failTimeout(Duration.ofDays(106_751_991_166L)).build());
        assertTrue(b.getMessage().contains("fail_timeout above 36500 days"), b.getMessage());
        Upstream u = Upstream.builder("ok").endpoints(Endpoint.builder("a", 80)
                .failTimeout(Endpoint.MAX_DURATION).build(), Endpoint.builder("b", 80).build()).logging(false).build();
        u.failure(u.pick(), FailureKind.ERROR, 0);
        assertEquals(1, u.status().endpoints().stream().filter(r -> r.state() == HealthState.DOWN).count());
        u.close();
    }

    @Test
    void haproxyBadHostCharacterNamesLineAndColumn() {
        ConfigParseException e = assertThrows(ConfigParseException.class, () -> HaproxyBackendParser.parse(
                "backend b\n    server a 127.0.0.1:80\n    server c ex^ample:80\n"));
        assertEquals(3, e.line());
        assertEquals(14, e.column());
        assertTrue(e.getMessage().contains("invalid character '^'"), e.getMessage());
    }

    @Test
    void userInfoGivenAsHostPortIsRefusedWithoutShowingThePassword() {
        // found by PropertiesFuzzTest: "app:pw@127.0.0.1" failed as "port 'pw@127.0.0.1' is not a number"
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HostPort.parse("app:s3cret@127.0.0.1"));
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertTrue(e.getMessage().contains("user info"), e.getMessage());
    }

    @Test
    void healthCheckDurationsAboveTheBoundFailWithAClearMessage() {
        // found by PropertiesFuzzTest: hakit.rocket.health-check.timeout=106751991166d ended in "long overflow"
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HealthCheckConfig(
                Duration.ofSeconds(2), null, null, 2, 3, Duration.ofDays(106_751_991_166L)));
        assertTrue(e.getMessage().contains("timeout above 36500 days"), e.getMessage());
    }
}
