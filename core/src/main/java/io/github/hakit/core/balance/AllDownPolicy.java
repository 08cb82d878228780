package io.github.hakit.core.balance;

/**
 * What an upstream does when too few endpoints are healthy.
 *
 * <ul>
 *   <li>{@link #failFast()} — Nginx 1.22: when no endpoint is usable the call fails with
 *       {@link io.github.hakit.core.NoLiveEndpointException} ("no live upstreams") without contacting anyone, for
 *       as long as the endpoints stay out (their {@code fail_timeout}), even if they are healthy again; failure
 *       counts are not reset ({@code ngx_http_upstream_get_round_robin_peer} of 1.22 returns {@code NGX_BUSY};
 *       versions before 1.19 reset them). Parsed Nginx upstreams and HAProxy backends use it.</li>
 *   <li>{@link #tryAnyway()} (default for upstreams built in code; not Nginx) — when no endpoint is usable, route
 *       across all endpoints that are not {@code down} or in maintenance, ignoring health (OkHttp's "failed routes
 *       are postponed, not banned").</li>
 *   <li>{@link #panic(int)} (not Nginx: Envoy's panic mode) — when fewer than {@code percent} % of the primary
 *       endpoints are healthy, route across all of them, ignoring health.</li>
 * </ul>
 * Inside one call whose attempts already covered every usable endpoint, each policy applies to the endpoints the
 * call has not tried: a call never tries an endpoint twice in one round.
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

    /** Nginx 1.22's behaviour: fail the call ("no live upstreams"); failure counts stay. */
    public static AllDownPolicy failFast() {
        return new AllDownPolicy(Mode.FAIL_FAST, 0);
    }

    /** When nothing is usable, try every endpoint anyway (not Nginx). */
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
