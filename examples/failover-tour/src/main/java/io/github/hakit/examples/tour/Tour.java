package io.github.hakit.examples.tour;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every scenario shares: the console, the size of the run, and one place that stops every server and process
 * the tour started — in reverse order, from {@link #close()} or from the JVM shutdown hook on Ctrl-C. Testkit
 * clusters stop their processes by PID.
 */
final class Tour implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Tour.class);

    final Console console;
    final boolean quick;
    final boolean requireAll;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final ExecutorService background = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tour-background");
        t.setDaemon(true);
        return t;
    });

    Tour(Console console, boolean quick, boolean requireAll) {
        this.console = console;
        this.quick = quick;
        this.requireAll = requireAll;
    }

    /** {@code full} in the normal run, {@code short_} with {@code --short}. */
    int size(int full, int short_) {
        return quick ? short_ : full;
    }

    /** Registers something to stop when the tour ends or is interrupted; returns it. */
    <T extends AutoCloseable> T own(T resource) {
        synchronized (started) {
            started.push(resource);
        }
        return resource;
    }

    <T> Future<T> inBackground(Callable<T> task) {
        return background.submit(task);
    }

    /**
     * Starts a cluster in the background, a second time if the first start fails: free ports are picked before the
     * servers bind them, and on a busy machine another process can take one in between.
     */
    <T> Future<T> startInBackground(String what, Callable<T> start) {
        return background.submit(() -> {
            try {
                return start.call();
            } catch (Exception e) {
                log.warn("{} did not start, trying once more", what, e);
                console.warn(what + " did not start (" + e.getMessage() + "); trying once more");
                return start.call();
            }
        });
    }

    @Override
    public void close() {
        while (true) {
            AutoCloseable next;
            synchronized (started) {
                next = started.poll();
            }
            if (next == null) {
                break;
            }
            try {
                next.close();
            } catch (Exception | Error e) { // keep stopping the rest whatever one of them threw
                log.warn("cleanup of {} failed", next, e);
            }
        }
        background.shutdownNow();
    }
}
