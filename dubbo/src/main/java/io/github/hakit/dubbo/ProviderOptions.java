package io.github.hakit.dubbo;

import java.time.Duration;
import java.util.Objects;
import io.github.hakit.core.HostPort;

/**
 * hakit's settings for a Dubbo provider application; install with
 * {@link HakitDubbo#installProvider(org.apache.dubbo.rpc.model.ApplicationModel, ProviderOptions)}.
 *
 * <pre>{@code
 * ProviderOptions options = ProviderOptions.builder()
 *     .registration(RegistrationConfig.builder().host("203.0.113.7").build())   // what consumers dial
 *     .zone("region-1")                                                      // tag for zone-aware consumers
 *     .internalAddress(HostPort.parse("10.1.0.5:20880"))                      // what same-zone consumers dial
 *     .build();
 * }</pre>
 *
 * @param registration how the registered (external) address is chosen
 * @param zone this provider's zone, empty for none; with a zone the registered URL carries
 *     {@value HakitDubbo#ZONE_KEY} and {@value HakitDubbo#INTERNAL_KEY}
 * @param internalAddress the address same-zone consumers use, null for the address Dubbo itself would
 *     register (its bind address)
 * @param consistencyCheck what to do when a registered address does not reach this provider
 * @param checkTimeout connect timeout of the consistency check (default 2 s)
 */
public record ProviderOptions(RegistrationConfig registration, String zone, HostPort internalAddress,
        CheckMode consistencyCheck, Duration checkTimeout) {

    /** Default connect timeout of the startup consistency check. */
    public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(2);

    /** What the startup consistency check does on a mismatch. */
    public enum CheckMode {
        /** Export fails: the provider does not start with an address consumers cannot use. */
        FAIL,
        /** Log a warning and register anyway. */
        WARN,
        /** No check. */
        OFF
    }

    public ProviderOptions {
        Objects.requireNonNull(registration, "registration");
        zone = zone == null ? "" : zone.trim();
        if (zone.contains(",") || zone.contains("&") || zone.contains("=")) {
            throw new IllegalArgumentException("zone must not contain ',', '&' or '=': '" + zone + "'");
        }
        Objects.requireNonNull(consistencyCheck, "consistencyCheck");
        Objects.requireNonNull(checkTimeout, "checkTimeout");
        if (checkTimeout.isZero() || checkTimeout.isNegative()) {
            throw new IllegalArgumentException("checkTimeout must be > 0: " + checkTimeout);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; defaults: auto-detected address, no zone, check FAIL with a 2 s timeout. */
    public static final class Builder {
        private RegistrationConfig registration = RegistrationConfig.ofDefaults();
        private String zone = "";
        private HostPort internalAddress;
        private CheckMode consistencyCheck = CheckMode.FAIL;
        private Duration checkTimeout = DEFAULT_CHECK_TIMEOUT;

        private Builder() {
        }

        public Builder registration(RegistrationConfig registration) {
            this.registration = registration;
            return this;
        }

        public Builder zone(String zone) {
            this.zone = zone;
            return this;
        }

        public Builder internalAddress(HostPort internalAddress) {
            this.internalAddress = internalAddress;
            return this;
        }

        public Builder consistencyCheck(CheckMode mode) {
            this.consistencyCheck = mode;
            return this;
        }

        public Builder checkTimeout(Duration timeout) {
            this.checkTimeout = timeout;
            return this;
        }

        public ProviderOptions build() {
            return new ProviderOptions(registration, zone, internalAddress, consistencyCheck, checkTimeout);
        }
    }
}
