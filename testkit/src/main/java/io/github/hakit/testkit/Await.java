package io.github.hakit.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition until it holds or a deadline passes: the one way tests and fixtures wait for
 * state. Never a bare sleep.
 *
 * <pre>{@code
 * Await.until(Duration.ofSeconds(30), () -> cluster.runningNodes() == 3, () -> "3 running nodes");
 * }</pre>
 */
public final class Await {
    private static final long POLL_NANOS = Duration.ofMillis(20).toNanos();

    private Await() {
    }

    /**
     * Waits until {@code condition} is true.
     *
     * @throws IllegalStateException naming {@code what} when the deadline passes first
     */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(condition, "condition");
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                IllegalStateException failure = new IllegalStateException(
                        "timed out after " + timeout + " waiting for " + what.get());
                if (last != null) {
                    failure.addSuppressed(last);
                }
                throw failure;
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("interrupted while waiting for " + what.get());
            }
        }
    }

    /** Like {@link #until} but for a checked condition; a {@link TimeoutException} says what was awaited. */
    public static void untilChecked(Duration timeout, BooleanSupplier condition, String what) throws TimeoutException {
        try {
            until(timeout, condition, () -> what);
        } catch (IllegalStateException e) {
            TimeoutException t = new TimeoutException(e.getMessage());
            t.initCause(e);
            throw t;
        }
    }
}
