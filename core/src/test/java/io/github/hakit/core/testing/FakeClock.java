package io.github.hakit.core.testing;

import io.github.hakit.core.Sleeper;
import io.github.hakit.core.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A ticker, sleeper and scheduled executor on manual time, like gRPC's {@code FakeClock}: nothing runs until
 * {@link #forward(Duration)} moves time, which runs every task that falls due, in time order. Single-threaded
 * by design; tests drive it.
 *
 * <pre>{@code
 * FakeClock clock = new FakeClock();
 * Upstream up = Upstream.builder("x").endpoints("a:1").ticker(clock).scheduler(clock).probeExecutor(Runnable::run)...;
 * clock.forward(Duration.ofSeconds(2));
 * }</pre>
 */
public final class FakeClock extends AbstractExecutorService implements Ticker, Sleeper, ScheduledExecutorService {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    private long sequence;
    private boolean shutdown;

    @Override
    public long read() {
        return now.get();
    }

    /** Advances time by {@code d}, running due tasks in order (each sees the clock at its due time). */
    public void forward(Duration d) {
        long target = now.get() + d.toNanos();
        while (true) {
            Task<?> next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due > target) {
                    break;
                }
                queue.poll();
            }
            if (next.due > now.get()) {
                now.set(next.due);
            }
            next.run();
        }
        now.set(target);
    }

    /** Runs tasks due now without moving time. */
    public void runDue() {
        forward(Duration.ZERO);
    }

    /** Tasks still queued (not cancelled). */
    public synchronized int pendingTasks() {
        int n = 0;
        for (Task<?> t : queue) {
            if (!t.isCancelled()) {
                n++;
            }
        }
        return n;
    }

    /** Nanoseconds until the next queued task, or -1. */
    public synchronized long nanosToNextTask() {
        for (Task<?> t : new ArrayList<>(queue)) {
            if (!t.isCancelled()) {
                return t.due - now.get();
            }
        }
        return -1;
    }

    @Override
    public void sleep(Duration duration) {
        forward(duration);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return enqueue(() -> {
            command.run();
            return null;
        }, delay, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return enqueue(callable, delay, unit);
    }

    private synchronized <V> Task<V> enqueue(Callable<V> c, long delay, TimeUnit unit) {
        if (shutdown) {
            throw new java.util.concurrent.RejectedExecutionException("FakeClock is shut down");
        }
        Task<V> t = new Task<>(c, now.get() + Math.max(0, unit.toNanos(delay)), sequence++);
        queue.add(t);
        return t;
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException("hakit schedules one-shot tasks only");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("hakit schedules one-shot tasks only");
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        queue.clear();
        return List.of();
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && queue.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    private final class Task<V> implements ScheduledFuture<V>, Runnable {
        private final Callable<V> callable;
        final long due;
        private final long seq;
        private volatile boolean cancelled;
        private volatile boolean done;
        private V result;
        private Throwable failure;

        Task(Callable<V> callable, long due, long seq) {
            this.callable = callable;
            this.due = due;
            this.seq = seq;
        }

        @Override
        public void run() {
            if (cancelled) {
                return;
            }
            try {
                result = callable.call();
            } catch (Throwable t) {
                failure = t;
            }
            done = true;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - now.get(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Task<?> t = (Task<?>) o;
            int c = Long.compare(due, t.due);
            return c != 0 ? c : Long.compare(seq, t.seq);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (done) {
                return false;
            }
            cancelled = true;
            synchronized (FakeClock.this) {
                queue.remove(this);
            }
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public V get() throws ExecutionException {
            if (failure != null) {
                throw new ExecutionException(failure);
            }
            return result;
        }

        @Override
        public V get(long timeout, TimeUnit unit) throws ExecutionException {
            return get();
        }
    }
}
