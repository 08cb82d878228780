package io.github.hakit.rocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AttemptBudgetTest {
    private static final long MS = 1_000_000L;

    @Test
    void firstAttemptGetsItsShareNotTheWholeDeadline() {
        assertEquals(1000, AttemptBudget.attemptMillis(3000 * MS, 3, Duration.ofMillis(300)));
    }

    @Test
    void aQuickFailureLeavesTheRestToTheRemainingAttempts() {
        assertEquals(1499, AttemptBudget.attemptMillis(2998 * MS, 2, Duration.ofMillis(300)));
    }

    @Test
    void lastAttemptGetsAllThatRemains() {
        assertEquals(1234, AttemptBudget.attemptMillis(1234 * MS, 1, Duration.ofMillis(300)));
    }

    @Test
    void shareNeverDropsBelowTheMinimumNorExceedsWhatRemains() {
        assertEquals(300, AttemptBudget.attemptMillis(600 * MS, 5, Duration.ofMillis(300)));
        assertEquals(200, AttemptBudget.attemptMillis(200 * MS, 5, Duration.ofMillis(300)));
    }

    @Test
    void noTimeLeftMeansNoAttempt() {
        assertEquals(0, AttemptBudget.attemptMillis(0, 3, Duration.ofMillis(300)));
        assertEquals(0, AttemptBudget.attemptMillis(-5, 1, Duration.ofMillis(300)));
    }
}
