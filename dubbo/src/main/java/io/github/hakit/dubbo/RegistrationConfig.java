package io.github.hakit.dubbo;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * How a provider chooses the address it registers in ZooKeeper (the address consumers dial). The
 * first source that gives an answer wins:
 * <ol>
 *   <li>{@link Builder#host(String) explicit host} (and {@link Builder#port(int) port});</li>
 *   <li>the environment: {@code DUBBO_<PROTOCOL>_IP_TO_REGISTRY}, then {@code DUBBO_IP_TO_REGISTRY}
 *       (environment variable, then system property, like Dubbo; the {@code _PORT_TO_REGISTRY} twins
 *       for the port);</li>
 *   <li>{@link Builder#publicIpUrl(String) public-IP discovery}: an HTTP GET of a metadata URL that
 *       answers the public IP as plain text (e.g. a cloud's instance metadata), when configured;</li>
 *   <li>the first interface address inside one of the {@link Builder#preferredCidrs preferred CIDRs},
 *       in list order;</li>
 *   <li>the first suitable interface address: up, not loopback, not link-local, IPv4 before IPv6, not
 *       on a container bridge ({@code docker0}, {@code br-*}, {@code veth*}, {@code cni*},
 *       {@code flannel*}, {@code cali*}, {@code virbr*}, {@code kube-*}).</li>
 * </ol>
 * Loopback addresses are refused from every source unless {@link Builder#allowLoopback allowed}
 * (tests), bridge addresses unless {@link Builder#allowBridge allowed}. The provider keeps binding
 * where Dubbo binds it; only the registered address changes. Port 0 keeps Dubbo's port.
 *
 * <pre>{@code
 * RegistrationConfig registration = RegistrationConfig.builder()
 *     .preferredCidrs("10.8.0.0/16")          // or .host("203.0.113.7") / .publicIpUrl(...)
 *     .build();
 * }</pre>
 *
 * @param host explicit host name or IP, or null
 * @param port explicit port, 0 = the environment's or Dubbo's
 * @param preferredCidrs networks to prefer among the interface addresses
 * @param publicIpUrl URL answering the public IP as text, or null
 * @param publicIpTimeout call timeout of the public-IP lookup (default 2 s)
 * @param allowLoopback accept 127.0.0.0/8 and ::1 (tests only)
 * @param allowBridge accept addresses of container-bridge interfaces
 * @param bridgeInterfaces interface-name patterns that count as container bridges
 * @param environment looks a name up (default: environment variable, then system property)
 * @param networkAddresses lists the interface addresses (default: the JDK's)
 */
public record RegistrationConfig(String host, int port, List<Cidr> preferredCidrs, String publicIpUrl,
        Duration publicIpTimeout, boolean allowLoopback, boolean allowBridge, List<Pattern> bridgeInterfaces,
        UnaryOperator<String> environment, NetworkAddresses networkAddresses) {

    /** Default timeout of the public-IP lookup. */
    public static final Duration DEFAULT_PUBLIC_IP_TIMEOUT = Duration.ofSeconds(2);

    /** Interface names treated as container bridges by default. */
    public static final List<Pattern> DEFAULT_BRIDGE_INTERFACES = List.of(
            Pattern.compile("docker\\d*"), Pattern.compile("br-.*"), Pattern.compile("veth.*"),
            Pattern.compile("cni\\d*"), Pattern.compile("flannel.*"), Pattern.compile("cali.*"),
            Pattern.compile("virbr\\d*"), Pattern.compile("kube-.*"));

    public RegistrationConfig {
        if (host != null && host.isBlank()) {
            throw new IllegalArgumentException("registration host is blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("registration port out of range 0..65535: " + port);
        }
        preferredCidrs = List.copyOf(Objects.requireNonNull(preferredCidrs, "preferredCidrs"));
        if (publicIpUrl != null && !(publicIpUrl.startsWith("http://") || publicIpUrl.startsWith("https://"))) {
            throw new IllegalArgumentException("public IP URL must be http(s): " + publicIpUrl);
        }
        Objects.requireNonNull(publicIpTimeout, "publicIpTimeout");
        if (publicIpTimeout.isZero() || publicIpTimeout.isNegative()) {
            throw new IllegalArgumentException("public IP timeout must be > 0: " + publicIpTimeout);
        }
        bridgeInterfaces = List.copyOf(Objects.requireNonNull(bridgeInterfaces, "bridgeInterfaces"));
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(networkAddresses, "networkAddresses");
    }

    /** Auto-detection with every default. */
    public static RegistrationConfig ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Environment variable first, then system property (Dubbo's {@code ConfigUtils.getSystemProperty}). */
    public static UnaryOperator<String> systemEnvironment() {
        return name -> {
            String value = System.getenv(name);
            return value == null || value.isBlank() ? System.getProperty(name) : value;
        };
    }

    /** Builder; defaults: auto-detect, loopback and bridges refused, 2 s public-IP timeout. */
    public static final class Builder {
        private String host;
        private int port;
        private List<Cidr> preferredCidrs = List.of();
        private String publicIpUrl;
        private Duration publicIpTimeout = DEFAULT_PUBLIC_IP_TIMEOUT;
        private boolean allowLoopback;
        private boolean allowBridge;
        private List<Pattern> bridgeInterfaces = DEFAULT_BRIDGE_INTERFACES;
        private UnaryOperator<String> environment = systemEnvironment();
        private NetworkAddresses networkAddresses = NetworkAddresses.system();

        private Builder() {
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Comma-separated CIDRs, e.g. {@code "10.0.0.0/8,192.168.0.0/16"}; a malformed one is an error. */
        public Builder preferredCidrs(String cidrs) {
            this.preferredCidrs = Cidr.parseList(cidrs);
            return this;
        }

        public Builder preferredCidrs(List<Cidr> cidrs) {
            this.preferredCidrs = cidrs;
            return this;
        }

        public Builder publicIpUrl(String url) {
            this.publicIpUrl = url;
            return this;
        }

        public Builder publicIpTimeout(Duration timeout) {
            this.publicIpTimeout = timeout;
            return this;
        }

        public Builder allowLoopback(boolean allow) {
            this.allowLoopback = allow;
            return this;
        }

        public Builder allowBridge(boolean allow) {
            this.allowBridge = allow;
            return this;
        }

        public Builder bridgeInterfaces(List<Pattern> patterns) {
            this.bridgeInterfaces = patterns;
            return this;
        }

        public Builder environment(UnaryOperator<String> environment) {
            this.environment = environment;
            return this;
        }

        public Builder networkAddresses(NetworkAddresses networkAddresses) {
            this.networkAddresses = networkAddresses;
            return this;
        }

        public RegistrationConfig build() {
            return new RegistrationConfig(host, port, preferredCidrs, publicIpUrl, publicIpTimeout, allowLoopback,
                    allowBridge, bridgeInterfaces, environment, networkAddresses);
        }
    }
}
