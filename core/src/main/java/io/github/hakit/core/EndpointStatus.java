package io.github.hakit.core;

import java.time.Duration;

/**
 * One endpoint's row in an {@link UpstreamStatus}: everything a health endpoint shows per node, as structured
 * fields (the Spring integration renders them as JSON).
 *
 * @param name            endpoint name
 * @param address         host:port
 * @param backup          whether it is a backup
 * @param state           health state
 * @param statusText      HAProxy's status column: {@code UP}, {@code UP 2/3}, {@code DOWN}, {@code DOWN 1/2},
 *                        {@code NOLB}, {@code MAINT}, {@code DRAIN}, {@code no check} (UP without active checks);
 *                        Nginx's passive ejection shows {@code DOWN (passive)}
 * @param weight          configured (or runtime-set) weight
 * @param effectiveWeight Nginx's effective weight (lowered by failures, recovering per pick; during HAProxy's slow
 *                        start the ramped weight, rounded up)
 * @param activeCalls     calls in flight
 * @param fails           Nginx's failure count
 * @param successes       completed calls
 * @param failures        failed calls
 * @param lastCheck       last active check result in words ({@code L4OK}, the failure), or empty
 * @param zone            zone label
 * @param checked         whether active health checks run on it
 * @param dynamic         learned from a per-call candidate list rather than configured
 * @param sinceLastChange time since its last state change (HAProxy's {@code lastchg})
 * @param lastChangeCause why it last changed state, or empty
 */
public record EndpointStatus(String name, String address, boolean backup, HealthState state, String statusText,
        int weight, int effectiveWeight, int activeCalls, int fails, long successes, long failures, String lastCheck,
        String zone, boolean checked, boolean dynamic, Duration sinceLastChange, String lastChangeCause) {
}
