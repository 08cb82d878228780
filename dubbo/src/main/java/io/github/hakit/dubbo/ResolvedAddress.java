package io.github.hakit.dubbo;

/**
 * The address a provider registers, and where it came from.
 *
 * <pre>{@code
 * ResolvedAddress a = new AddressResolver(RegistrationConfig.ofDefaults()).resolve("dubbo");
 * a.address(20880);   // "192.168.10.7:20880" when the port is left to Dubbo
 * a.source();         // NIC
 * }</pre>
 *
 * @param host host name or IP literal
 * @param port the port, or 0 to keep the port Dubbo would register
 * @param source which rule of {@link RegistrationConfig} produced it
 * @param detail a human-readable note (e.g. which CIDR or interface matched)
 */
public record ResolvedAddress(String host, int port, Source source, String detail) {

    /** The rule that produced an address, in precedence order. */
    public enum Source {
        EXPLICIT, ENVIRONMENT, PUBLIC_IP_URL, PREFERRED_CIDR, NIC
    }

    /** {@code host:port}, with {@code defaultPort} when the port is 0. */
    public String address(int defaultPort) {
        return host + ":" + (port == 0 ? defaultPort : port);
    }

    @Override
    public String toString() {
        return host + (port == 0 ? "" : ":" + port) + " (" + source.name().toLowerCase(java.util.Locale.ROOT)
                + (detail.isEmpty() ? "" : ": " + detail) + ")";
    }
}
