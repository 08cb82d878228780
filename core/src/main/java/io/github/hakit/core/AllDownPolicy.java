package io.github.hakit.core;

/**
 * What an upstream does when too few endpoints are healthy.
 *
 * <ul>
 *   <li>{@link #failFast()} — Nginx: when no endpoint is usable the call fails with
 *       {@link NoLiveEndpointException} ("no live upstreams") and every endpoint's failure count is reset, so the
 *       next call tries them again.</li>
 *   <li>{@link #tryAnyway()} (default) — when no endpoint is usable, route across all endpoints that are not
 *       {@code down} or in maintenance, ignoring health (OkHttp's "failed routes are postponed, not banned").</li>
 *   <li>{@link #panic(int)} — Envoy's panic mode: when fewer than {@code percent} % of the primary endpoints are
 *       healthy, route across all of them, ignoring health.</li>
 * </ul>
 * Every switch into or out of such a mode is reported to the listeners.
 *
 * @param mode             the mode
 * @param panicThreshold   percent (0..100) of healthy primaries below which panic routing starts; 0 = only when
 *                         none is usable
 */
public record AllDownPolicy(Mode mode, int panicThreshold) {

    public AllDownPolicy {
        java.util.Objects.requireNonNull(mode, "mode");
        if (panicThreshold < 0 || panicThreshold > 100) {
            throw new IllegalArgumentException("panic threshold out of range 0..100: " + panicThreshold);
        }
    }

    /** Nginx's behaviour: fail this call, reset failure counts. */
    public static AllDownPolicy failFast() {
        return new AllDownPolicy(Mode.FAIL_FAST, 0);
    }

    /** When nothing is usable, try every endpoint anyway. */
    public static AllDownPolicy tryAnyway() {
        return new AllDownPolicy(Mode.PANIC, 0);
    }

    /** Route across all primaries while fewer than {@code percent} % are healthy. */
    public static AllDownPolicy panic(int percent) {
        return new AllDownPolicy(Mode.PANIC, percent);
    }

    /** The two modes. */
    public enum Mode {
        FAIL_FAST, PANIC
    }
}
