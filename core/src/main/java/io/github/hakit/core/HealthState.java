package io.github.hakit.core;

/**
 * An endpoint's state as HAProxy's stats page shows it.
 */
public enum HealthState {
    /** Taking traffic. */
    UP,
    /** Still taking traffic, but failing checks: HAProxy's "UP 1/3". */
    GOING_DOWN,
    /** Not taking traffic: failed checks, or passively failed ({@code max_fails} within {@code fail_timeout}). */
    DOWN,
    /** Not taking traffic yet, passing checks: HAProxy's "DOWN 1/2". */
    GOING_UP,
    /** Taken out by an operator (or {@code down} / HAProxy {@code disabled}): no traffic, no checks. */
    MAINT,
    /** Operator drain: no new calls, running ones finish. */
    DRAIN,
    /**
     * HAProxy's STOPPING (stats: {@code NOLB}): up, but no new calls ({@code set server health stopping}, a
     * {@code 404} from {@code http-check disable-on-404}).
     */
    STOPPING;

    /** Whether new calls may be routed here (UP or GOING_DOWN). */
    public boolean takesTraffic() {
        return this == UP || this == GOING_DOWN;
    }
}
