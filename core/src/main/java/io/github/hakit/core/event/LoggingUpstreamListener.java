package io.github.hakit.core.event;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs an upstream's events through SLF4J: one WARN line when an endpoint leaves service or panic routing
 * starts, one INFO line when it comes back, DEBUG per retry. Added to every upstream unless the builder says
 * otherwise.
 */
public final class LoggingUpstreamListener implements UpstreamListener {
    private final Logger log;

    public LoggingUpstreamListener() {
        this(LoggerFactory.getLogger("io.github.hakit.upstream"));
    }

    public LoggingUpstreamListener(Logger log) {
        this.log = log;
    }

    @Override
    public void onStateChange(StateChange e) {
        if (e.to().takesTraffic()) {
            log.info("upstream {}: {} ({}) is {} (was {}): {}", e.upstream(), e.endpoint().name(),
                    e.endpoint().address(), e.to(), e.from(), e.cause());
        } else {
            log.warn("upstream {}: {} ({}) is {} (was {}): {}", e.upstream(), e.endpoint().name(),
                    e.endpoint().address(), e.to(), e.from(), e.cause());
        }
    }

    @Override
    public void onRetry(Retry e) {
        log.debug("upstream {}: retrying after {}", e.upstream(), e.failed());
    }

    @Override
    public void onExhausted(Exhausted e) {
        log.warn("upstream {}: call failed after {} attempt(s): {}", e.upstream(), e.attempts().size(), e.reason());
    }

    @Override
    public void onPanic(Panic e) {
        if (e.entered()) {
            log.warn("upstream {}: routing across all endpoints regardless of health: {}", e.upstream(), e.reason());
        } else {
            log.info("upstream {}: back to health-aware routing: {}", e.upstream(), e.reason());
        }
    }
}
