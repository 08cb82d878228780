package io.github.hakit.core;

import java.time.Duration;

/**
 * Waits between retry rounds. Policy code never sleeps itself (Curator's {@code RetrySleeper} idea); tests inject
 * a sleeper that advances a fake clock.
 */
@FunctionalInterface
public interface Sleeper {
    /** Waits for {@code duration}; throws when interrupted. */
    void sleep(Duration duration) throws InterruptedException;

    /** Blocks the calling thread. */
    static Sleeper blocking() {
        return d -> {
            if (!d.isZero() && !d.isNegative()) {
                Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
            }
        };
    }
}
