package io.github.hakit.testkit.zookeeper;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a shutdown action on its own daemon thread and waits for it at most a deadline.
 * {@code TestingCluster.close()} was seen to hang for more than 40 s (LAB-NOTES, ZooKeeper): a test
 * run must not wait for it. When the deadline passes the action keeps running on its daemon thread
 * (it cannot be stopped safely) and the caller goes on; the forked test JVM exits anyway.
 */
final class BoundedClose {
    private static final Logger log = LoggerFactory.getLogger(BoundedClose.class);

    private BoundedClose() {
    }

    /** A shutdown step that may throw. */
    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /**
     * Runs {@code action} and waits at most {@code deadline}.
     *
     * @return true when the action finished (successfully or not) in time, false when abandoned
     */
    static boolean run(String what, Duration deadline, Action action) {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(action, "action");
        if (deadline == null || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("close deadline must be > 0: " + deadline);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                action.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }, "hakit-close-" + what);
        thread.setDaemon(true);
        long started = System.nanoTime();
        thread.start();
        try {
            done.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
            log.debug("{} closed in {} ms", what, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return true;
        } catch (TimeoutException e) {
            log.warn("{} did not close within {}; abandoned on daemon thread {}", what, deadline, thread.getName());
            return false;
        } catch (ExecutionException e) {
            log.warn("{} failed to close cleanly", what, e.getCause());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("interrupted while closing {}", what);
            return false;
        }
    }
}
