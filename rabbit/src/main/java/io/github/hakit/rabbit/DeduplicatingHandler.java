package io.github.hakit.rabbit;

import com.rabbitmq.client.Delivery;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drops deliveries whose {@code message-id} was already handled (a {@link ReliablePublisher} re-publishes
 * unconfirmed messages after a failover with the same id; a consumer recovering after a failover may also get a
 * message again). Remembers the last {@code capacity} ids handled; a message without an id is always passed on.
 * A duplicate is acknowledged without calling the delegate.
 *
 * <pre>{@code
 * DeduplicatingHandler dedup = new DeduplicatingHandler(100_000, delivery -> orders.save(delivery.getBody()));
 * rabbit.consume("orders", 100, dedup);
 * long dropped = dedup.duplicates();
 * }</pre>
 */
public final class DeduplicatingHandler implements MessageHandler {
    private final MessageHandler delegate;
    private final Map<String, Boolean> seen;
    private final AtomicLong duplicates = new AtomicLong();

    /** @param capacity how many recent ids to remember (> 0) */
    public DeduplicatingHandler(int capacity, MessageHandler delegate) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity < 1: " + capacity);
        }
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.seen = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    @Override
    public void handle(Delivery delivery) throws Exception {
        String id = delivery.getProperties() == null ? null : delivery.getProperties().getMessageId();
        if (id != null) {
            synchronized (seen) {
                if (seen.containsKey(id)) {
                    duplicates.incrementAndGet();
                    return;
                }
            }
        }
        delegate.handle(delivery);
        if (id != null) {
            synchronized (seen) {
                seen.put(id, Boolean.TRUE);
            }
        }
    }

    /** Deliveries dropped as duplicates so far. */
    public long duplicates() {
        return duplicates.get();
    }
}
