package io.github.hakit.core;

import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.HealthCheckSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthCheckSettingsTest {
    @Test
    void unsetIntervalsAndTimeoutFollowAChangedInter() {
        HealthCheckSettings s = new HealthCheckSettings(HealthCheckConfig.ofDefaults());
        s.setInter(Duration.ofMillis(500));
        HealthCheckConfig c = s.toConfig();
        assertEquals(Duration.ofMillis(500), c.fastInter());
        assertEquals(Duration.ofMillis(500), c.downInter());
        assertEquals(Duration.ofMillis(500), c.timeout());
        assertEquals(2, c.rise());
        assertEquals(3, c.fall());
    }

    @Test
    void moduleDefaultsThatDifferFromInterAreKept() {
        HealthCheckConfig defaults = HealthCheckConfig.builder().inter(Duration.ofSeconds(1))
                .fastInter(Duration.ofMillis(250)).rise(2).fall(2).build();
        HealthCheckSettings s = new HealthCheckSettings(defaults);
        s.setInter(Duration.ofSeconds(3));
        assertEquals(Duration.ofMillis(250), s.toConfig().fastInter());
        assertEquals(Duration.ofSeconds(3), s.toConfig().timeout());
    }

    @Test
    void disabledMeansNoChecksAndBadValuesAreNamed() {
        HealthCheckSettings s = new HealthCheckSettings(HealthCheckConfig.ofDefaults());
        s.setRise(0);
        assertEquals("rise < 1: 0", assertThrows(IllegalArgumentException.class, s::toConfig).getMessage());
        s.setEnabled(false);
        assertNull(s.toConfig());
    }
}
