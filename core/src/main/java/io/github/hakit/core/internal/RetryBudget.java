package io.github.hakit.core.internal;

import io.github.hakit.core.Ticker;
import io.github.hakit.core.retry.RetryBudgetConfig;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The state behind {@link RetryBudgetConfig}: calls and retries counted in ten buckets spanning the ttl. A retry
 * is allowed while {@code retries < calls * percent / 100 + minPerSecond * ttlSeconds} over the window.
 * Lock-free: a call costs one ticker read and one atomic increment; a bucket rollover races benignly (a count may
 * land in the bucket just cleared, which only makes the budget a little more generous). Not API.
 */
public final class RetryBudget {
    private static final int BUCKETS = 10;

    private final RetryBudgetConfig config;
    private final Ticker ticker;
    private final long bucketNanos;
    private final long allowance;
    private final AtomicLongArray calls = new AtomicLongArray(BUCKETS);
    private final AtomicLongArray retries = new AtomicLongArray(BUCKETS);
    private final AtomicLong currentBucket;

    public RetryBudget(RetryBudgetConfig config, Ticker ticker) {
        this.config = config;
        this.ticker = ticker;
        this.bucketNanos = config.ttl().toNanos() / BUCKETS;
        this.allowance = (long) config.minRetriesPerSecond() * config.ttl().toSeconds();
        this.currentBucket = new AtomicLong(Math.floorDiv(ticker.read(), bucketNanos));
    }

    /** Counts one call. */
    public void deposit() {
        deposit(ticker.read());
    }

    /** Counts one call made at {@code nanos} (ticker time). */
    public void deposit(long nanos) {
        calls.incrementAndGet(advance(nanos));
    }

    /** Takes one retry from the budget; false when none is left. */
    public boolean tryWithdraw() {
        int b = advance(ticker.read());
        long c = 0;
        long r = 0;
        for (int i = 0; i < BUCKETS; i++) {
            c += calls.get(i);
            r += retries.get(i);
        }
        long allowed = c * config.percentCanRetry() / 100 + allowance;
        if (r >= allowed) {
            return false;
        }
        retries.incrementAndGet(b);
        return true;
    }

    private int advance(long nanos) {
        long bucket = Math.floorDiv(nanos, bucketNanos);
        long current = currentBucket.get();
        if (bucket > current && currentBucket.compareAndSet(current, bucket)) {
            long steps = Math.min(BUCKETS, bucket - current);
            for (long s = 1; s <= steps; s++) {
                int i = (int) Math.floorMod(current + s, (long) BUCKETS);
                calls.set(i, 0);
                retries.set(i, 0);
            }
            current = bucket;
        } else if (bucket < current) {
            bucket = current;
        }
        return (int) Math.floorMod(Math.max(bucket, current), (long) BUCKETS);
    }
}
