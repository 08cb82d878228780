package io.github.hakit.dubbo;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import io.github.hakit.dubbo.NetworkAddresses.NicAddress;
import io.github.hakit.dubbo.ResolvedAddress.Source;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Resolves the address a provider registers, by the rules of {@link RegistrationConfig}.
 *
 * <pre>{@code
 * ResolvedAddress address = new AddressResolver(RegistrationConfig.builder().preferredCidrs("10.8.0.0/16").build())
 *     .resolve("dubbo");
 * }</pre>
 */
public final class AddressResolver {
    /** Dubbo's names (see Dubbo {@code CommonConstants}); the per-protocol variant is {@code DUBBO_<PROTOCOL>_...}. */
    public static final String IP_TO_REGISTRY = "DUBBO_IP_TO_REGISTRY";
    public static final String PORT_TO_REGISTRY = "DUBBO_PORT_TO_REGISTRY";

    private final RegistrationConfig config;

    public AddressResolver(RegistrationConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Resolves the address for a protocol.
     *
     * @param protocol Dubbo protocol name (e.g. {@code dubbo}), for the per-protocol environment names
     * @throws IllegalStateException naming the source and value when no acceptable address is found
     */
    public ResolvedAddress resolve(String protocol) {
        String prefix = "DUBBO_" + protocol.toUpperCase(Locale.ROOT) + "_";
        int port = config.port() != 0 ? config.port() : environmentPort(prefix);
        if (config.host() != null) {
            return accept(config.host(), port, Source.EXPLICIT, "configured");
        }
        for (String name : List.of(prefix + IP_TO_REGISTRY.substring("DUBBO_".length()), IP_TO_REGISTRY)) {
            String value = config.environment().apply(name);
            if (value != null && !value.isBlank()) {
                return accept(value.trim(), port, Source.ENVIRONMENT, name);
            }
        }
        if (config.publicIpUrl() != null) {
            return accept(lookupPublicIp(), port, Source.PUBLIC_IP_URL, config.publicIpUrl());
        }
        return resolveInterface(port);
    }

    /**
     * Rules 4 and 5 only (preferred CIDRs, then the first suitable interface address): the address this
     * host has on its own network, whatever the registration rules above say.
     *
     * @param port the port to carry, 0 to leave it to Dubbo
     * @throws IllegalStateException listing the interfaces seen when none is suitable
     */
    public ResolvedAddress resolveInterface(int port) {
        List<NicAddress> nics = interfaceAddresses();
        for (Cidr cidr : config.preferredCidrs()) {
            for (NicAddress nic : nics) {
                if (cidr.contains(nic.address()) && suitable(nic).isEmpty()) {
                    return accept(nic.address().getHostAddress(), port, Source.PREFERRED_CIDR,
                            nic.interfaceName() + " in " + cidr);
                }
            }
        }
        String cidrNote = config.preferredCidrs().isEmpty() ? ""
                : "no interface address in preferred CIDRs " + config.preferredCidrs() + "; ";
        List<NicAddress> ordered = new ArrayList<>(nics);
        // IPv4 first, otherwise the operating system's order
        ordered.sort(Comparator.comparingInt(n -> n.address() instanceof Inet4Address ? 0 : 1));
        List<String> rejected = new ArrayList<>();
        for (NicAddress nic : ordered) {
            Optional<String> why = suitable(nic);
            if (why.isEmpty()) {
                return accept(nic.address().getHostAddress(), port, Source.NIC, cidrNote + nic.interfaceName());
            }
            rejected.add(nic + " (" + why.get() + ")");
        }
        throw new IllegalStateException(cidrNote + "no suitable interface address to register; seen: " + rejected
                + ". Configure the address explicitly, set " + IP_TO_REGISTRY + ", or allow loopback/bridge addresses");
    }

    private int environmentPort(String prefix) {
        for (String name : List.of(prefix + PORT_TO_REGISTRY.substring("DUBBO_".length()), PORT_TO_REGISTRY)) {
            String value = config.environment().apply(name);
            if (value != null && !value.isBlank()) {
                try {
                    int port = Integer.parseInt(value.trim());
                    if (port >= 1 && port <= 65535) {
                        return port;
                    }
                } catch (NumberFormatException ignored) {
                    // reported below
                }
                throw new IllegalStateException(name + " is not a port 1..65535: '" + value + "'");
            }
        }
        return 0;
    }

    private List<NicAddress> interfaceAddresses() {
        try {
            return config.networkAddresses().list();
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list network interfaces: " + e.getMessage(), e);
        }
    }

    /** Empty when the interface address may be registered, else why not. */
    private Optional<String> suitable(NicAddress nic) {
        InetAddress a = nic.address();
        if (!nic.up()) {
            return Optional.of("interface down");
        }
        if ((nic.loopbackInterface() || a.isLoopbackAddress()) && !config.allowLoopback()) {
            return Optional.of("loopback");
        }
        if (a.isLinkLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress()) {
            return Optional.of("link-local");
        }
        if (!config.allowBridge() && isBridge(nic.interfaceName())) {
            return Optional.of("container bridge");
        }
        return Optional.empty();
    }

    private boolean isBridge(String interfaceName) {
        for (Pattern p : config.bridgeInterfaces()) {
            if (p.matcher(interfaceName).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Validates a host from a configured source: resolvable, not a wildcard, loopback only when allowed. */
    private ResolvedAddress accept(String host, int port, Source source, String detail) {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("registration address '" + host + "' (" + describe(source, detail)
                    + ") does not resolve: " + e.getMessage(), e);
        }
        for (InetAddress a : addresses) {
            if (a.isAnyLocalAddress()) {
                throw new IllegalStateException("registration address '" + host + "' (" + describe(source, detail)
                        + ") is a wildcard address; consumers cannot dial it");
            }
            if (a.isLoopbackAddress() && !config.allowLoopback()) {
                throw new IllegalStateException("registration address '" + host + "' (" + describe(source, detail)
                        + ") is a loopback address (" + a.getHostAddress()
                        + "); consumers on other hosts cannot reach it. Allow loopback only for tests");
            }
        }
        return new ResolvedAddress(host, port, source, detail);
    }

    private static String describe(Source source, String detail) {
        return source.name().toLowerCase(Locale.ROOT) + (detail.isEmpty() ? "" : " " + detail);
    }

    /** GET the metadata URL; the body must be one IP literal. */
    private String lookupPublicIp() {
        String url = config.publicIpUrl();
        OkHttpClient client = new OkHttpClient.Builder()
                .callTimeout(config.publicIpTimeout())
                .connectTimeout(config.publicIpTimeout())
                .readTimeout(config.publicIpTimeout())
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .build();
        try (Response response = client.newCall(new Request.Builder().url(url).get().build()).execute()) {
            ResponseBody body = response.body();
            String text = body == null ? "" : body.string().trim();
            if (!response.isSuccessful()) {
                throw new IllegalStateException("public IP discovery from " + url + " failed: HTTP " + response.code());
            }
            if (!Cidr.isIpLiteral(text)) {
                throw new IllegalStateException("public IP discovery from " + url + " answered '"
                        + (text.length() > 60 ? text.substring(0, 60) + "..." : text) + "', not an IP address");
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("public IP discovery from " + url + " failed within "
                    + config.publicIpTimeout().toMillis() + " ms: " + e, e);
        } finally {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }
}
