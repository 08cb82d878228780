package io.github.hakit.core;

/**
 * The state behind {@link RetryBudgetConfig}: calls and retries counted in ten buckets spanning the ttl. A retry
 * is allowed while {@code retries < calls * percent / 100 + minPerSecond * ttlSeconds} over the window.
 * Synchronized: it is touched once per call and once per retry, never per pick.
 */
final class RetryBudget {
    private static final int BUCKETS = 10;

    private final RetryBudgetConfig config;
    private final Ticker ticker;
    private final long bucketNanos;
    private final long[] calls = new long[BUCKETS];
    private final long[] retries = new long[BUCKETS];
    private long currentBucket;

    RetryBudget(RetryBudgetConfig config, Ticker ticker) {
        this.config = config;
        this.ticker = ticker;
        this.bucketNanos = config.ttl().toNanos() / BUCKETS;
        this.currentBucket = ticker.read() / bucketNanos;
    }

    synchronized void deposit() {
        calls[advance()]++;
    }

    synchronized boolean tryWithdraw() {
        int b = advance();
        long c = 0;
        long r = 0;
        for (int i = 0; i < BUCKETS; i++) {
            c += calls[i];
            r += retries[i];
        }
        long allowed = c * config.percentCanRetry() / 100
                + (long) config.minRetriesPerSecond() * config.ttl().toSeconds();
        if (r >= allowed) {
            return false;
        }
        retries[b]++;
        return true;
    }

    private int advance() {
        long bucket = ticker.read() / bucketNanos;
        long steps = Math.min(BUCKETS, bucket - currentBucket);
        for (long s = 1; s <= steps; s++) {
            int i = (int) Math.floorMod(currentBucket + s, (long) BUCKETS);
            calls[i] = 0;
            retries[i] = 0;
        }
        if (bucket > currentBucket) {
            currentBucket = bucket;
        }
        return (int) Math.floorMod(currentBucket, (long) BUCKETS);
    }
}
