package io.github.hakit.testkit.zookeeper;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BoundedCloseTest {
    @Test
    void aHangingCloseIsAbandonedAtTheDeadline() {
        CountDownLatch never = new CountDownLatch(1);
        long start = System.nanoTime();
        boolean finished = BoundedClose.run("hang", Duration.ofMillis(200), never::await);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertFalse(finished);
        assertTrue(tookMillis >= 190 && tookMillis < 2_000, "took " + tookMillis + " ms");
        never.countDown();
    }

    @Test
    void aQuickCloseAndAFailingCloseBothCountAsFinished() {
        assertTrue(BoundedClose.run("quick", Duration.ofSeconds(5), () -> { }));
        assertTrue(BoundedClose.run("failing", Duration.ofSeconds(5), () -> {
            throw new IllegalStateException("boom");
        }));
    }

    @Test
    void aNonPositiveDeadlineIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> BoundedClose.run("x", Duration.ZERO, () -> { }));
    }
}
