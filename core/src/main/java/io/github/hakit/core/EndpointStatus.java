package io.github.hakit.core;

/**
 * One endpoint's row in an {@link UpstreamStatus}.
 *
 * @param name            endpoint name
 * @param address         host:port
 * @param backup          whether it is a backup
 * @param state           health state
 * @param statusText      HAProxy's status column: {@code UP}, {@code UP 2/3}, {@code DOWN}, {@code DOWN 1/2},
 *                        {@code MAINT}, {@code DRAIN}; passive ejection shows {@code DOWN (passive)}
 * @param weight          configured (or runtime-set) weight
 * @param effectiveWeight Nginx's effective weight (lowered by failures, recovering per pick)
 * @param activeCalls     calls in flight
 * @param fails           Nginx's failure count
 * @param successes       completed calls
 * @param failures        failed calls
 * @param lastCheck       last active check result in words, or empty
 * @param zone            zone label
 */
public record EndpointStatus(String name, String address, boolean backup, HealthState state, String statusText,
        int weight, int effectiveWeight, int activeCalls, int fails, long successes, long failures, String lastCheck,
        String zone) {
}
