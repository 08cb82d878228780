package io.github.hakit.fastdfs.internal;

import io.github.hakit.fastdfs.PoolConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded connection pools, one per {@code host:port}: at most {@code maxPerEndpoint} connections per
 * endpoint (idle or in use), a borrow waits at most {@code borrowTimeout} for a slot, an idle connection
 * is validated with ACTIVE_TEST after {@code validateAfterIdle} and dropped after {@code maxIdle}. A
 * connection that failed is closed, never returned. Not API.
 */
public final class ConnectionPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private final PoolConfig config;
    private final LongSupplier nanoTime;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private static final class Entry {
        final Semaphore slots;
        final Deque<FdfsConnection> idle = new ArrayDeque<>();

        Entry(int max) {
            slots = new Semaphore(max, true);
        }
    }

    public ConnectionPool(PoolConfig config, LongSupplier nanoTime) {
        this.config = config;
        this.nanoTime = nanoTime;
    }

    /**
     * Borrows a connection to {@code host:port}, connecting if no valid idle one exists. Release it with
     * {@link #release}.
     */
    public FdfsConnection borrow(String host, int port, Duration connectTimeout, Duration readTimeout)
            throws IOException {
        if (closed) {
            throw new IllegalStateException("connection pool closed");
        }
        String key = host + ":" + port;
        Entry e = entries.computeIfAbsent(key, k -> new Entry(config.maxPerEndpoint()));
        try {
            if (!e.slots.tryAcquire(config.borrowTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                throw new PoolExhaustedException("no free connection to " + key + " within " + config.borrowTimeout()
                        + " (max " + config.maxPerEndpoint() + " per endpoint)");
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for a connection to " + key);
        }
        try {
            while (true) {
                FdfsConnection c;
                synchronized (e) {
                    c = e.idle.pollFirst();
                }
                if (c == null) {
                    break;
                }
                long idleNanos = nanoTime.getAsLong() - c.lastUsedNanos();
                if (idleNanos > config.maxIdle().toNanos() || !c.nothingPending()) {
                    // bytes that arrived while it was idle belong to no request: never read them as an answer
                    c.close();
                    continue;
                }
                if (idleNanos > config.validateAfterIdle().toNanos() && !validate(c, readTimeout)) {
                    continue;
                }
                c.readTimeout(readTimeout);
                c.reused(true);
                return c;
            }
            FdfsConnection c = FdfsConnection.open(host, port, connectTimeout, readTimeout);
            c.reused(false);
            return c;
        } catch (IOException | RuntimeException ex) {
            e.slots.release();
            throw ex;
        }
    }

    private boolean validate(FdfsConnection c, Duration readTimeout) {
        try {
            c.readTimeout(readTimeout);
            if (c.activeTest()) {
                return true;
            }
        } catch (IOException ex) {
            log.debug("idle connection to {} failed validation: {}", c.address(), ex.toString());
        }
        c.close();
        return false;
    }

    /**
     * Returns a connection; a broken one (or any when {@code reusable} is false, or one with unread bytes
     * waiting: the answer was not read exactly) is closed.
     */
    public void release(FdfsConnection c, boolean reusable) {
        Entry e = entries.get(c.address());
        c.deadline(nanoTime, Long.MAX_VALUE);
        if (!reusable || !c.nothingPending() || closed || e == null) {
            c.close();
        } else {
            c.touch(nanoTime.getAsLong());
            synchronized (e) {
                e.idle.addFirst(c);
            }
        }
        if (e != null) {
            e.slots.release();
        }
    }

    /** Closes idle connections to {@code host:port} (after the endpoint failed). */
    public void evict(String address) {
        Entry e = entries.get(address);
        if (e == null) {
            return;
        }
        synchronized (e) {
            e.idle.forEach(FdfsConnection::close);
            e.idle.clear();
        }
    }

    /** Idle connections currently pooled for {@code host:port}. */
    public int idleCount(String address) {
        Entry e = entries.get(address);
        if (e == null) {
            return 0;
        }
        synchronized (e) {
            return e.idle.size();
        }
    }

    /** Connections to {@code host:port} currently borrowed. */
    public int inUse(String address) {
        Entry e = entries.get(address);
        return e == null ? 0 : config.maxPerEndpoint() - e.slots.availablePermits();
    }

    @Override
    public void close() {
        closed = true;
        entries.values().forEach(e -> {
            synchronized (e) {
                e.idle.forEach(FdfsConnection::close);
                e.idle.clear();
            }
        });
    }

    /** Every slot of an endpoint was in use for the whole borrow timeout. */
    public static final class PoolExhaustedException extends IOException {
        private static final long serialVersionUID = 1L;

        public PoolExhaustedException(String message) {
            super(message);
        }
    }
}
