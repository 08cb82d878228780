package io.github.hakit.core.internal;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.HealthState;
import java.time.Duration;

/**
 * Nginx's passive health ({@code max_fails}, {@code fail_timeout}), as {@code ngx_http_upstream_get_peer} and
 * {@code ngx_http_upstream_free_round_robin_peer} of Nginx 1.22 {@code src/http/ngx_http_upstream_round_robin.c}
 * keep it:
 * <ul>
 *   <li>a failed attempt: {@code fails++; accessed = checked = now; effective_weight -= weight / max_fails} (not
 *       below 0);</li>
 *   <li>a peer with {@code fails >= max_fails && now - checked <= fail_timeout} is skipped;</li>
 *   <li>selecting a peer whose window has passed stamps {@code checked = now}, so one call probes it while the
 *       others keep skipping it;</li>
 *   <li>a success frees it only when {@code accessed < checked} (a probe after the window), resetting
 *       {@code fails}; the count is not reset when the window ends.</li>
 * </ul>
 * Time is in nanoseconds, or in whole seconds like Nginx's {@code ngx_time()} ({@code wholeSeconds}): then a
 * {@code fail_timeout} of 3 s re-admits a peer 3.0 to 4.0 s after its failure. On top of Nginx, every ejection and
 * its end (the window is over, the next call probes) is an event, and a timer fires the end so nobody polls.
 * Methods named "locked" are called with the upstream's lock held. Not API.
 */
public final class PassiveHealth {
    private static final long SECOND = 1_000_000_000L;

    private final boolean wholeSeconds;
    private final int maxEjectionPercent;

    public PassiveHealth(boolean wholeSeconds, int maxEjectionPercent) {
        this.wholeSeconds = wholeSeconds;
        this.maxEjectionPercent = maxEjectionPercent;
    }

    public boolean wholeSeconds() {
        return wholeSeconds;
    }

    /** {@code now} in this accounting's unit. */
    public long time(long nanos) {
        return wholeSeconds ? Math.floorDiv(nanos, SECOND) : nanos;
    }

    /** An endpoint's {@code fail_timeout} in this accounting's unit (saturating). */
    public long failTimeout(Endpoint e) {
        Duration d = e.failTimeout();
        if (wholeSeconds) {
            return d.getSeconds();
        }
        return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
    }

    /** Whether {@code n} is out now. */
    public boolean failed(Node n, long nanos) {
        return n.passivelyFailed(time(nanos));
    }

    /** {@code ngx_http_upstream_get_peer}: {@code if (now - best->checked > best->fail_timeout) best->checked = now}. */
    public void selectedLocked(Node n, long nanos) {
        long now = time(nanos);
        if (now - n.checked > n.failTimeout) {
            n.checked = now;
        }
    }

    /**
     * {@code NGX_PEER_FAILED}: counts the failure, lowers the effective weight, ejects at {@code max_fails}.
     *
     * @param others the endpoints the ejection cap is computed over, or {@code null} for no cap
     * @return the nanosecond time when the ejection window ends, or -1 when no new ejection started
     */
    public long failedLocked(Node n, long nanos, Node[] others, StateSink sink) {
        long now = time(nanos);
        n.fails++;
        n.accessed = now;
        n.checked = now;
        int maxFails = n.endpoint.maxFails();
        long ends = -1;
        if (maxFails != 0) {
            n.effective -= (long) (n.weight / maxFails) * Node.SCALE;
            if (n.fails >= maxFails && !n.ejected) {
                ends = eject(n, nanos, others, sink);
            }
        }
        if (n.effective < 0) {
            n.effective = 0;
        }
        return ends;
    }

    /** The success branch: {@code if (accessed < checked) fails = 0}. */
    public void succeededLocked(Node n, long nanos, StateSink sink) {
        if (n.fails != 0 && n.accessed < n.checked) {
            n.fails = 0;
            if (n.ejected) {
                n.ejected = false;
                if (n.activeUp) {
                    sink.changed(n, HealthState.DOWN, HealthState.UP, "a call succeeded after fail_timeout");
                }
            }
        }
    }

    /** Ends ejections whose window is over; returns the earliest end still ahead (nanos), or -1. */
    public long expireLocked(Iterable<Node> nodes, long nanos, StateSink sink) {
        long now = time(nanos);
        long next = -1;
        for (Node n : nodes) {
            if (!n.ejected) {
                continue;
            }
            if (!n.passivelyFailed(now)) {
                n.ejected = false;
                if (n.activeUp) {
                    sink.changed(n, HealthState.DOWN, HealthState.UP, "fail_timeout " + describe(n.endpoint)
                            + " over; the next call probes it");
                }
            } else {
                long end = windowEnd(n, nanos);
                if (next < 0 || end - next < 0) {
                    next = end;
                }
            }
        }
        return next;
    }

    private long eject(Node n, long nanos, Node[] others, StateSink sink) {
        if (others != null && !n.backup && !n.dynamic && maxEjectionPercent < 100) {
            int ejected = 0;
            for (Node p : others) {
                if (p != n && p.ejected) {
                    ejected++;
                }
            }
            if ((ejected + 1) * 100 > maxEjectionPercent * others.length) {
                n.fails = n.endpoint.maxFails() - 1;
                sink.note(n, "not ejected: " + ejected + " of " + others.length + " already out (max ejection "
                        + maxEjectionPercent + "%)");
                return -1;
            }
        }
        n.ejected = true;
        if (n.activeUp) {
            sink.changed(n, HealthState.UP, HealthState.DOWN, n.fails + " failure(s) within fail_timeout "
                    + describe(n.endpoint) + "; unavailable for " + describe(n.endpoint));
        }
        return windowEnd(n, nanos);
    }

    /** The first nanosecond at which {@code now - checked > fail_timeout} holds. */
    private long windowEnd(Node n, long nanos) {
        if (n.failTimeout == Long.MAX_VALUE) {
            return nanos + Long.MAX_VALUE / 4;
        }
        if (wholeSeconds) {
            long sec = n.checked + n.failTimeout + 1;
            return sec > Long.MAX_VALUE / SECOND - 1 ? nanos + Long.MAX_VALUE / 4 : sec * SECOND;
        }
        long end = n.checked + n.failTimeout + 1;
        return end - nanos < 0 ? nanos + Long.MAX_VALUE / 4 : end;
    }

    private static String describe(Endpoint e) {
        Duration d = e.failTimeout();
        return d.getNano() == 0 ? d.getSeconds() + "s" : d.toMillis() + "ms";
    }
}
