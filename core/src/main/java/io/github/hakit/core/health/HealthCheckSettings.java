package io.github.hakit.core.health;

import java.time.Duration;

/**
 * Mutable, bindable twin of {@link HealthCheckConfig} for configuration properties (Spring Boot's
 * {@code hakit.<module>.health-check.*}: {@code enabled}, {@code inter}, {@code fast-inter}, {@code down-inter},
 * {@code rise}, {@code fall}, {@code timeout}). Each module starts it from its own defaults; unset
 * {@code fastInter}, {@code downInter} and {@code timeout} follow {@code inter}, as in HAProxy. Needs no Spring
 * dependency.
 *
 * <pre>{@code
 * private final HealthCheckSettings healthCheck = new HealthCheckSettings(HealthCheckConfig.ofDefaults());
 * public HealthCheckSettings getHealthCheck() { return healthCheck; }
 * ...
 * HealthCheckConfig config = properties.getHealthCheck().toConfig(); // null when disabled
 * }</pre>
 */
public class HealthCheckSettings {
    private boolean enabled = true;
    private Duration inter;
    private Duration fastInter;
    private Duration downInter;
    private int rise;
    private int fall;
    private Duration timeout;

    /** Starts from {@code defaults}; values equal to {@code inter} stay unset so they keep following it. */
    public HealthCheckSettings(HealthCheckConfig defaults) {
        inter = defaults.inter();
        fastInter = defaults.fastInter().equals(inter) ? null : defaults.fastInter();
        downInter = defaults.downInter().equals(inter) ? null : defaults.downInter();
        timeout = defaults.timeout().equals(inter) ? null : defaults.timeout();
        rise = defaults.rise();
        fall = defaults.fall();
    }

    /**
     * The validated config, or {@code null} when checks are disabled.
     *
     * @throws IllegalArgumentException naming a bad value (e.g. {@code rise < 1: 0})
     */
    public HealthCheckConfig toConfig() {
        return enabled ? new HealthCheckConfig(inter, fastInter, downInter, rise, fall, timeout) : null;
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Duration getInter() {
        return inter;
    }

    public void setInter(Duration inter) {
        this.inter = inter;
    }

    public Duration getFastInter() {
        return fastInter;
    }

    public void setFastInter(Duration fastInter) {
        this.fastInter = fastInter;
    }

    public Duration getDownInter() {
        return downInter;
    }

    public void setDownInter(Duration downInter) {
        this.downInter = downInter;
    }

    public int getRise() {
        return rise;
    }

    public void setRise(int rise) {
        this.rise = rise;
    }

    public int getFall() {
        return fall;
    }

    public void setFall(int fall) {
        this.fall = fall;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }
}
