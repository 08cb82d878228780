package io.github.hakit.dubbo.internal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import io.github.hakit.core.HostPort;
import io.github.hakit.dubbo.AddressResolver;
import io.github.hakit.dubbo.HakitDubbo;
import io.github.hakit.dubbo.ProviderOptions;
import io.github.hakit.dubbo.ProviderOptions.CheckMode;
import io.github.hakit.dubbo.ResolvedAddress;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.remoting.RemotingServer;
import org.apache.dubbo.rpc.Protocol;
import org.apache.dubbo.rpc.ProtocolServer;
import org.apache.dubbo.rpc.model.ApplicationModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-application provider state: the options and the address resolved once (and logged once) per
 * protocol. Used by {@link HakitServiceUrlCustomizer}; not API.
 */
public final class ProviderRuntime {
    private static final Logger log = LoggerFactory.getLogger(ProviderRuntime.class);

    private final ProviderOptions options;
    private final AddressResolver resolver;
    private final Map<String, ResolvedAddress> resolved = new ConcurrentHashMap<>();

    public ProviderRuntime(ProviderOptions options) {
        this.options = options;
        this.resolver = new AddressResolver(options.registration());
    }

    public ProviderOptions options() {
        return options;
    }

    /** The registered URL for Dubbo's {@code url}: external address, zone and internal address. */
    URL customize(URL url, ApplicationModel application) {
        String protocol = url.getProtocol();
        ResolvedAddress address = resolved.computeIfAbsent(protocol, p -> {
            ResolvedAddress a = resolver.resolve(p);
            log.info("hakit: {} providers of application '{}' register {} (Dubbo would register {}:{})", p,
                    application.getApplicationName(), a, url.getHost(), url.getPort());
            return a;
        });
        String host = address.host();
        int port = address.port() == 0 ? url.getPort() : address.port();
        URL registered = url.setHost(host).setPort(port);
        List<RemotingServer> servers = options.consistencyCheck() != CheckMode.OFF || !options.zone().isEmpty()
                ? servers(application, protocol) : List.of();
        HostPort internal = null;
        if (!options.zone().isEmpty()) {
            internal = options.internalAddress() != null ? options.internalAddress() : boundAddress(url, servers);
            if (internal.host().equalsIgnoreCase(host) && internal.port() == port) {
                log.warn("hakit: the internal address of service {} is the registered (external) address {}:{}:"
                        + " same-zone consumers will take the external path (through the NAT gateway, if any)."
                        + " Set the internal address (hakit.dubbo.provider.internal-address) to the LAN address this"
                        + " provider listens on", url.getServiceKey(), host, port);
            }
            registered = registered.addParameter(HakitDubbo.ZONE_KEY, options.zone())
                    .addParameter(HakitDubbo.INTERNAL_KEY, internal.toString());
        }
        if (options.consistencyCheck() != CheckMode.OFF) {
            check("registered", host, port, servers, url);
            if (internal != null) {
                check("internal", internal.host(), internal.port(), servers, url);
            }
        }
        return registered;
    }

    /**
     * Where this provider really listens in its LAN: the server's bound address when it binds one address;
     * when it binds the wildcard, Dubbo's {@code bind.ip} with the bound port if that is an address of this
     * host, else this host's interface address (preferred CIDRs, then the first suitable interface, as
     * registration rules 4 and 5). Dubbo's {@code bind.ip} is not trusted blindly: with
     * {@code DUBBO_IP_TO_REGISTRY} set, Dubbo's detected local host <em>is</em> that value, so in the seed's
     * deployment {@code bind.ip} named the public address (issue 16 point 2).
     */
    HostPort boundAddress(URL url, List<RemotingServer> servers) {
        int bindPort = url.getParameter("bind.port", url.getPort());
        // the URL's host as written (a name stays a name: Dubbo consumers rewrite a registered 127.x literal to
        // their "local host"), when it is this host's; with DUBBO_IP_TO_REGISTRY it is the public address: skipped
        if (url.getHost() != null && ReachabilityProbe.isOwnAddress(url.getHost())
                && !isWildcard(url.getHost())) {
            return new HostPort(url.getHost(), bindPort);
        }
        for (RemotingServer server : servers) {
            // Dubbo's "local address" of a server is its URL's host:port, which DUBBO_IP_TO_REGISTRY replaces:
            // only an address of this host is taken as where the server listens
            InetSocketAddress local = server.getLocalAddress();
            if (local != null && local.getAddress() != null && !local.getAddress().isAnyLocalAddress()
                    && ReachabilityProbe.isOwnAddress(local.getAddress())) {
                return new HostPort(local.getAddress().getHostAddress(), bindPort);
            }
        }
        String bindIp = url.getParameter("bind.ip");
        if (bindIp != null && !bindIp.isBlank() && ReachabilityProbe.isOwnAddress(bindIp)) {
            return new HostPort(bindIp, bindPort);
        }
        try {
            ResolvedAddress nic = resolver.resolveInterface(bindPort);
            log.info("hakit: internal address of service {} is {}:{} ({}): Dubbo binds the wildcard address and its"
                    + " bind.ip {} is not an address of this host", url.getServiceKey(), nic.host(), bindPort,
                    nic, bindIp);
            return new HostPort(nic.host(), bindPort);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("hakit: cannot tell the internal (LAN) address of service "
                    + url.getServiceKey() + ": Dubbo binds the wildcard on port " + bindPort + ", its bind.ip "
                    + bindIp + " is not an address of this host, and " + e.getMessage()
                    + ". Configure the internal address (ProviderOptions.internalAddress /"
                    + " hakit.dubbo.provider.internal-address)", e);
        }
    }

    private static boolean isWildcard(String host) {
        return "0.0.0.0".equals(host) || "::".equals(host) || "[::]".equals(host);
    }

    private void check(String role, String host, int port, List<RemotingServer> servers, URL url) {
        Supplier<Collection<?>> channels = servers.isEmpty() ? null : () -> {
            List<Object> all = new ArrayList<>();
            for (RemotingServer server : servers) {
                all.addAll(server.getChannels());
            }
            return all;
        };
        ReachabilityProbe.Result result = ReachabilityProbe.probe(host, port, options.checkTimeout(), channels);
        switch (result.verdict()) {
            case CONFIRMED -> log.debug("hakit: {} address {}:{} reaches this provider", role, host, port);
            case REACHABLE_UNVERIFIED -> log.info("hakit: {} address {}:{} accepts connections ({})", role, host,
                    port, result.detail());
            case CANNOT_CHECK -> log.warn("hakit: cannot check from this host whether the {} address {}:{} of service"
                    + " {} reaches this provider: {}. It is not an address of this host, so a NAT gateway that does"
                    + " not route its own public addresses back into the LAN (no hairpin) looks exactly like this;"
                    + " consumers elsewhere may well reach it. Not refusing to start; verify from another zone",
                    role, host, port, url.getServiceKey(), result.detail());
            default -> {
                String message = "hakit: the " + role + " address " + host + ":" + port + " of service "
                        + url.getServiceKey() + " does not reach this provider, which listens on "
                        + bindAddresses(servers, url) + ": " + result.detail()
                        + ". Consumers would fail to call it; fix the registration address"
                        + " (or set the consistency check to WARN/OFF)";
                if (options.consistencyCheck() == CheckMode.FAIL) {
                    throw new IllegalStateException(message);
                }
                log.warn(message);
            }
        }
    }

    private static String bindAddresses(List<RemotingServer> servers, URL url) {
        if (servers.isEmpty()) {
            return url.getHost() + ":" + url.getPort();
        }
        List<String> addresses = new ArrayList<>();
        for (RemotingServer server : servers) {
            addresses.add(server.getLocalAddress() == null ? server.getUrl().getAddress()
                    : server.getLocalAddress().getAddress().getHostAddress() + ":" + server.getLocalAddress().getPort()
                    + " (" + server.getUrl().getAddress() + ")");
        }
        return String.join(", ", addresses);
    }

    /** This application's servers of {@code protocol} (unwrapped extension: wrappers may hide them). */
    private static List<RemotingServer> servers(ApplicationModel application, String protocol) {
        List<RemotingServer> result = new ArrayList<>();
        try {
            Protocol p = application.getFrameworkModel().getExtensionLoader(Protocol.class).getExtension(protocol, false);
            for (ProtocolServer server : p.getServers()) {
                if (server.getRemotingServer() != null) {
                    result.add(server.getRemotingServer());
                }
            }
        } catch (RuntimeException e) {
            log.debug("hakit: cannot see the {} servers to confirm the consistency check", protocol, e);
        }
        return result;
    }
}
