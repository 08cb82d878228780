package io.github.hakit.dubbo.internal;

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
        HostPort internal = options.internalAddress() != null ? options.internalAddress()
                : new HostPort(url.getHost(), url.getPort());
        URL registered = url.setHost(host).setPort(port);
        if (!options.zone().isEmpty()) {
            registered = registered.addParameter(HakitDubbo.ZONE_KEY, options.zone())
                    .addParameter(HakitDubbo.INTERNAL_KEY, internal.toString());
        }
        if (options.consistencyCheck() != CheckMode.OFF) {
            List<RemotingServer> servers = servers(application, protocol);
            check("registered", host, port, servers, url);
            if (!options.zone().isEmpty()) {
                check("internal", internal.host(), internal.port(), servers, url);
            }
        }
        return registered;
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
