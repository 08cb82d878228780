package io.github.hakit.fastdfs.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive health of storages, which hakit learns from tracker answers rather than configuration: a storage
 * that refused, timed out or broke off is avoided for {@code failTimeout} (Nginx's {@code max_fails=1
 * fail_timeout}), so a frozen storage that its tracker still reports ACTIVE costs one timeout, not one per
 * call. When every candidate is avoided they are all tried anyway (Nginx resets and tries). Not API.
 */
public final class StorageHealth {
    private static final Logger log = LoggerFactory.getLogger(StorageHealth.class);

    private final Duration failTimeout;
    private final LongSupplier nanoTime;
    private final Map<String, Long> downUntil = new ConcurrentHashMap<>();

    public StorageHealth(Duration failTimeout, LongSupplier nanoTime) {
        this.failTimeout = failTimeout;
        this.nanoTime = nanoTime;
    }

    public void failed(String address, Throwable why) {
        long until = nanoTime.getAsLong() + failTimeout.toNanos();
        if (downUntil.put(address, until) == null) {
            log.warn("storage {} marked unavailable for {}s: {}", address, failTimeout.toSeconds(), why.toString());
        }
    }

    public void succeeded(String address) {
        if (downUntil.remove(address) != null) {
            log.info("storage {} available again", address);
        }
    }

    public boolean isAvailable(String address) {
        Long until = downUntil.get(address);
        if (until == null) {
            return true;
        }
        if (nanoTime.getAsLong() - until >= 0) {
            downUntil.remove(address, until);
            return true;
        }
        return false;
    }

    /** Available candidates first (in order), then the avoided ones. */
    public <T> List<T> order(List<T> candidates, Function<T, String> address) {
        List<T> good = new ArrayList<>();
        List<T> bad = new ArrayList<>();
        for (T c : candidates) {
            (isAvailable(address.apply(c)) ? good : bad).add(c);
        }
        good.addAll(bad);
        return good;
    }
}
