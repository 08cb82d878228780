package io.github.hakit.rocket.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Picks the queue for a send attempt and keeps failing brokers out of rotation, with nginx's passive
 * health semantics: a broker that fails (or answers slower than the latency threshold) is isolated
 * for the isolation period, then gets traffic again and is isolated anew if it fails again. Brokers
 * already tried by the current call are skipped. When every remaining broker is isolated, the one
 * whose isolation ends first is tried anyway (nginx's "all down → try anyway"; OkHttp's route
 * database tries failed routes last instead of never).
 *
 * <p>Thread-safe and lock-free; the ticker is injected.
 */
public final class BrokerSelector {
    private final Duration isolation;
    private final Duration slowThreshold;
    private final LongSupplier nanoTicker;
    private final Map<String, Long> isolatedUntil = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    public BrokerSelector(Duration isolation, Duration slowThreshold, LongSupplier nanoTicker) {
        this.isolation = Objects.requireNonNull(isolation, "isolation");
        this.slowThreshold = Objects.requireNonNull(slowThreshold, "slowThreshold");
        this.nanoTicker = Objects.requireNonNull(nanoTicker, "nanoTicker");
    }

    /**
     * The queue for the next attempt, or null when every broker of {@code queues} was tried by this
     * call already.
     */
    public MessageQueue select(List<MessageQueue> queues, Set<String> triedBrokers) {
        if (queues.isEmpty()) {
            return null;
        }
        long now = nanoTicker.getAsLong();
        int start = Math.floorMod(next.getAndIncrement(), queues.size());
        MessageQueue fallback = null;
        long fallbackUntil = Long.MAX_VALUE;
        for (int i = 0; i < queues.size(); i++) {
            MessageQueue q = queues.get((start + i) % queues.size());
            if (triedBrokers.contains(q.getBrokerName())) {
                continue;
            }
            Long until = isolatedUntil.get(q.getBrokerName());
            if (until == null || now - until >= 0) {
                return q;
            }
            if (fallback == null || until - fallbackUntil < 0) {
                fallback = q;
                fallbackUntil = until;
            }
        }
        return fallback;
    }

    /** Records a failed attempt: the broker is out of rotation for the isolation period. */
    public void failed(String brokerName) {
        isolatedUntil.put(brokerName, nanoTicker.getAsLong() + isolation.toNanos());
    }

    /** Records a successful attempt; a slow one isolates the broker like a failure (latency fault). */
    public void succeeded(String brokerName, Duration latency) {
        if (latency.compareTo(slowThreshold) >= 0) {
            failed(brokerName);
        } else {
            isolatedUntil.remove(brokerName);
        }
    }

    /** Brokers out of rotation now, with the time left. */
    public Map<String, Duration> isolated() {
        long now = nanoTicker.getAsLong();
        Map<String, Duration> out = new TreeMap<>();
        isolatedUntil.forEach((broker, until) -> {
            if (until - now > 0) {
                out.put(broker, Duration.ofNanos(until - now));
            }
        });
        return out;
    }

    /** Whether a broker is out of rotation now. */
    public boolean isIsolated(String brokerName) {
        Long until = isolatedUntil.get(brokerName);
        return until != null && until - nanoTicker.getAsLong() > 0;
    }

    /** The distinct broker names of a queue list, in order. */
    public static List<String> brokers(List<MessageQueue> queues) {
        List<String> names = new ArrayList<>();
        for (MessageQueue q : queues) {
            if (!names.contains(q.getBrokerName())) {
                names.add(q.getBrokerName());
            }
        }
        return names;
    }
}
