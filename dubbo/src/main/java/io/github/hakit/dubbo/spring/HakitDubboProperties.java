package io.github.hakit.dubbo.spring;

import static io.github.hakit.core.spring.PropertyValues.check;
import static io.github.hakit.core.spring.PropertyValues.set;

import java.time.Duration;
import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.HostPort;
import io.github.hakit.dubbo.ConsumerOptions;
import io.github.hakit.dubbo.ProviderOptions;
import io.github.hakit.dubbo.RegistrationConfig;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code hakit.dubbo.*} properties.
 *
 * <pre>
 * hakit.dubbo.provider.enabled=true
 * hakit.dubbo.provider.host=203.0.113.7          # or preferred-cidrs=10.8.0.0/16, public-ip-url=...
 * hakit.dubbo.provider.zone=region-1
 * hakit.dubbo.provider.internal-address=10.1.0.5:20880
 * hakit.dubbo.consumer.enabled=true
 * hakit.dubbo.consumer.zone=region-1
 * hakit.dubbo.consumer.max-fails=2
 * hakit.dubbo.consumer.fail-timeout=30s
 * dubbo.consumer.cluster=hakit                   # Dubbo's own property: route references through hakit
 * </pre>
 */
@ConfigurationProperties(prefix = "hakit.dubbo")
public class HakitDubboProperties {
    private final Provider provider = new Provider();
    private final Consumer consumer = new Consumer();

    public Provider getProvider() {
        return provider;
    }

    public Consumer getConsumer() {
        return consumer;
    }

    /** Provider settings; see {@link ProviderOptions} and {@link RegistrationConfig}. */
    public static class Provider {
        /** Install hakit's provider options (registered address, zone, startup check) into the Dubbo application. */
        private boolean enabled;
        /** Host consumers dial (registered instead of Dubbo's detected address); loopback refused unless allow-loopback. */
        private String host;
        /** Port consumers dial (0: the port the provider's server is bound to). */
        private int port;
        /** Comma-separated CIDRs: the first interface address inside one of them is registered. */
        private String preferredCidrs;
        /** HTTP URL answering this host's public IP as plain text; that IP is registered. */
        private String publicIpUrl;
        /** Timeout of the public-ip-url request; exceeding it is a startup error. */
        private Duration publicIpTimeout = RegistrationConfig.DEFAULT_PUBLIC_IP_TIMEOUT;
        /** Allow registering a loopback address (tests only). */
        private boolean allowLoopback;
        /** Allow registering a container-bridge address (docker0, br-*, veth* ...). */
        private boolean allowBridge;
        /** Zone (region) of this provider, registered as hakit.zone; same-zone consumers dial the internal address. */
        private String zone = "";
        /** host:port same-zone consumers dial (default: where the provider's server really listens). */
        private String internalAddress;
        /** Startup check that the registered address reaches this provider: FAIL, WARN or OFF. */
        private ProviderOptions.CheckMode consistencyCheck = ProviderOptions.CheckMode.FAIL;
        /** Timeout of one startup-check connection. */
        private Duration checkTimeout = ProviderOptions.DEFAULT_CHECK_TIMEOUT;

        /** The options these properties describe; invalid values fail with a message naming them. */
        public ProviderOptions toOptions() {
            String p = "hakit.dubbo.provider.";
            RegistrationConfig.Builder registration = RegistrationConfig.builder()
                    .allowLoopback(allowLoopback).allowBridge(allowBridge);
            set(p + "host", blankToNull(host), registration::host);
            set(p + "port", port, registration::port);
            set(p + "preferred-cidrs", preferredCidrs, registration::preferredCidrs);
            set(p + "public-ip-url", blankToNull(publicIpUrl), registration::publicIpUrl);
            set(p + "public-ip-timeout", publicIpTimeout, registration::publicIpTimeout);
            ProviderOptions.Builder options = ProviderOptions.builder()
                    .registration(check("hakit.dubbo.provider", registration::build));
            set(p + "zone", zone, options::zone);
            set(p + "internal-address", internalAddress, a -> options.internalAddress(
                    a == null || a.isBlank() ? null : HostPort.parse(a)));
            set(p + "consistency-check", consistencyCheck, options::consistencyCheck);
            set(p + "check-timeout", checkTimeout, options::checkTimeout);
            return check("hakit.dubbo.provider", options::build);
        }

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getHost() {
            return host;
        }

        public void setHost(String host) {
            this.host = host;
        }

        public int getPort() {
            return port;
        }

        public void setPort(int port) {
            this.port = port;
        }

        public String getPreferredCidrs() {
            return preferredCidrs;
        }

        public void setPreferredCidrs(String preferredCidrs) {
            this.preferredCidrs = preferredCidrs;
        }

        public String getPublicIpUrl() {
            return publicIpUrl;
        }

        public void setPublicIpUrl(String publicIpUrl) {
            this.publicIpUrl = publicIpUrl;
        }

        public Duration getPublicIpTimeout() {
            return publicIpTimeout;
        }

        public void setPublicIpTimeout(Duration publicIpTimeout) {
            this.publicIpTimeout = publicIpTimeout;
        }

        public boolean isAllowLoopback() {
            return allowLoopback;
        }

        public void setAllowLoopback(boolean allowLoopback) {
            this.allowLoopback = allowLoopback;
        }

        public boolean isAllowBridge() {
            return allowBridge;
        }

        public void setAllowBridge(boolean allowBridge) {
            this.allowBridge = allowBridge;
        }

        public String getZone() {
            return zone;
        }

        public void setZone(String zone) {
            this.zone = zone;
        }

        public String getInternalAddress() {
            return internalAddress;
        }

        public void setInternalAddress(String internalAddress) {
            this.internalAddress = internalAddress;
        }

        public ProviderOptions.CheckMode getConsistencyCheck() {
            return consistencyCheck;
        }

        public void setConsistencyCheck(ProviderOptions.CheckMode consistencyCheck) {
            this.consistencyCheck = consistencyCheck;
        }

        public Duration getCheckTimeout() {
            return checkTimeout;
        }

        public void setCheckTimeout(Duration checkTimeout) {
            this.checkTimeout = checkTimeout;
        }
    }

    /** Consumer settings; see {@link ConsumerOptions}. */
    public static class Consumer {
        /** The defaults come from {@link ConsumerOptions.Builder}: one place defines them. */
        private static final ConsumerOptions DEFAULTS = ConsumerOptions.builder().build();

        /** Install hakit's consumer options and the hakitDubbo health indicator; select the cluster with cluster=hakit. */
        private boolean enabled;
        /** Zone (region) of this consumer: providers of this zone are preferred and dialled on their internal address. */
        private String zone = DEFAULTS.zone();
        /** Use providers of other zones only while no own-zone provider is usable. */
        private boolean preferZone = DEFAULTS.preferZone();
        /** Failures within fail-timeout that take a provider out (Nginx max_fails). */
        private int maxFails = DEFAULTS.maxFails();
        /** Window for max-fails and how long a failed provider stays out (Nginx fail_timeout). */
        private Duration failTimeout = DEFAULTS.failTimeout();
        /** Load-balancing algorithm across the usable providers. */
        private Balancer balancer = DEFAULTS.balancer();
        /** Retry any failed call on another provider; false: only calls that cannot have reached the provider. */
        private boolean idempotent = DEFAULTS.idempotent();

        /** The options these properties describe. */
        public ConsumerOptions toOptions() {
            String p = "hakit.dubbo.consumer.";
            ConsumerOptions.Builder options = ConsumerOptions.builder().preferZone(preferZone).idempotent(idempotent);
            set(p + "zone", zone, options::zone);
            set(p + "max-fails", maxFails, options::maxFails);
            set(p + "fail-timeout", failTimeout, options::failTimeout);
            set(p + "balancer", balancer, options::balancer);
            return check("hakit.dubbo.consumer", options::build);
        }

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getZone() {
            return zone;
        }

        public void setZone(String zone) {
            this.zone = zone;
        }

        public boolean isPreferZone() {
            return preferZone;
        }

        public void setPreferZone(boolean preferZone) {
            this.preferZone = preferZone;
        }

        public int getMaxFails() {
            return maxFails;
        }

        public void setMaxFails(int maxFails) {
            this.maxFails = maxFails;
        }

        public Duration getFailTimeout() {
            return failTimeout;
        }

        public void setFailTimeout(Duration failTimeout) {
            this.failTimeout = failTimeout;
        }

        public Balancer getBalancer() {
            return balancer;
        }

        public void setBalancer(Balancer balancer) {
            this.balancer = balancer;
        }

        public boolean isIdempotent() {
            return idempotent;
        }

        public void setIdempotent(boolean idempotent) {
            this.idempotent = idempotent;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
