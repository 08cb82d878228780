package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PublisherConfigTest {
    @Test
    void defaultsAreDocumented() {
        PublisherConfig c = PublisherConfig.ofDefaults();
        assertEquals(10_000, c.maxInFlight());
        assertEquals(PublisherConfig.WhenFull.BLOCK, c.whenFull());
        assertEquals(Duration.ofSeconds(10), c.blockTimeout());
        assertEquals(Duration.ofSeconds(30), c.confirmDeadline());
        assertEquals(true, c.mandatory());
        assertEquals(Optional.empty(), c.leaderQueue());
    }

    @Test
    void toBuilderKeepsEverySetting() {
        PublisherConfig c = PublisherConfig.builder().maxInFlight(7).whenFull(PublisherConfig.WhenFull.FAIL,
                Duration.ofMillis(5)).confirmDeadline(Duration.ofSeconds(3)).mandatory(false).connectionName("x")
                .leaderOf("q").leaderRefresh(Duration.ofSeconds(1)).confirmStall(Duration.ofSeconds(2)).build();
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    void badValuesAreRejectedByName() {
        assertEquals("maxInFlight < 1: 0", assertThrows(IllegalArgumentException.class,
                () -> PublisherConfig.builder().maxInFlight(0).build()).getMessage());
        assertEquals("confirmDeadline <= 0: PT0S", assertThrows(IllegalArgumentException.class,
                () -> PublisherConfig.builder().confirmDeadline(Duration.ZERO).build()).getMessage());
        assertEquals("blockTimeout <= 0: PT-1S", assertThrows(IllegalArgumentException.class,
                () -> PublisherConfig.builder().whenFull(PublisherConfig.WhenFull.BLOCK, Duration.ofSeconds(-1))
                        .build()).getMessage());
    }
}
