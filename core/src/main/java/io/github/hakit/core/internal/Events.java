package io.github.hakit.core.internal;

import io.github.hakit.core.AttemptRecord;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.HealthState;
import io.github.hakit.core.event.UpstreamListener;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An upstream's listeners and the executor they run on; what a listener throws is logged and dropped. Not API.
 */
public final class Events {
    private static final Logger log = LoggerFactory.getLogger(Events.class);

    private final String upstream;
    private final Executor executor;
    private final List<UpstreamListener> listeners = new CopyOnWriteArrayList<>();
    /** Event counts: retries, exhausted calls, state changes. */
    public final java.util.concurrent.atomic.LongAdder retries = new java.util.concurrent.atomic.LongAdder();
    public final java.util.concurrent.atomic.LongAdder exhausted = new java.util.concurrent.atomic.LongAdder();
    public final java.util.concurrent.atomic.LongAdder stateChanges = new java.util.concurrent.atomic.LongAdder();

    public Events(String upstream, Executor executor) {
        this.upstream = upstream;
        this.executor = Objects.requireNonNull(executor, "listenerExecutor");
    }

    public void add(UpstreamListener l) {
        listeners.add(Objects.requireNonNull(l, "listener"));
    }

    public void remove(UpstreamListener l) {
        listeners.remove(l);
    }

    public boolean isEmpty() {
        return listeners.isEmpty();
    }

    public void stateChange(Endpoint e, HealthState from, HealthState to, String cause) {
        stateChanges.increment();
        UpstreamListener.StateChange event = new UpstreamListener.StateChange(upstream, e, from, to, cause);
        each(l -> l.onStateChange(event));
    }

    public void retry(AttemptRecord failed) {
        retries.increment();
        if (!listeners.isEmpty()) {
            UpstreamListener.Retry event = new UpstreamListener.Retry(upstream, failed);
            each(l -> l.onRetry(event));
        }
    }

    public void exhausted(List<AttemptRecord> attempts, String reason) {
        exhausted.increment();
        UpstreamListener.Exhausted event = new UpstreamListener.Exhausted(upstream, List.copyOf(attempts), reason);
        each(l -> l.onExhausted(event));
    }

    public void panic(boolean entered, String reason) {
        UpstreamListener.Panic event = new UpstreamListener.Panic(upstream, entered, reason);
        each(l -> l.onPanic(event));
    }

    private void each(Consumer<UpstreamListener> action) {
        for (UpstreamListener l : listeners) {
            executor.execute(() -> {
                try {
                    action.accept(l);
                } catch (RuntimeException e) {
                    log.warn("upstream {}: listener {} threw", upstream, l, e);
                }
            });
        }
    }
}
