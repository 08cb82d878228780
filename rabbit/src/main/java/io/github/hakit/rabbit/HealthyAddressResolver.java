package io.github.hakit.rabbit;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.AddressResolver;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.EndpointStatus;
import io.github.hakit.core.NoLiveEndpointException;
import io.github.hakit.core.Upstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An amqp-client {@link AddressResolver} that returns the RabbitMQ nodes in the order the {@link Upstream} chooses
 * them: the first address is the balancer's pick among healthy nodes, confirmed by a TCP connect through
 * {@link Upstream#execute} (so a refused connection counts as a passive failure of that node and the next node is
 * tried at once), followed by the other healthy nodes, then the rest. amqp-client's own connection logic (and its
 * automatic recovery) tries them in that order; the list is never shuffled.
 *
 * <pre>{@code
 * Connection c = factory.newConnection(new HealthyAddressResolver(upstream, Optional::empty), "orders");
 * }</pre>
 *
 * <p>A {@code preferred} supplier may name an endpoint (by name) to put first when it is healthy: leader-aware
 * placement uses it to land a publisher on its quorum queue's leader.
 */
public final class HealthyAddressResolver implements AddressResolver {
    private final Upstream upstream;
    private final Supplier<Optional<String>> preferred;

    public HealthyAddressResolver(Upstream upstream, Supplier<Optional<String>> preferred) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.preferred = Objects.requireNonNull(preferred, "preferred");
    }

    @Override
    public List<Address> getAddresses() throws IOException {
        List<Endpoint> endpoints = upstream.endpoints();
        Map<String, EndpointStatus> states = new HashMap<>();
        for (EndpointStatus s : upstream.status().endpoints()) {
            states.put(s.name(), s);
        }
        Endpoint first = preferredEndpoint(endpoints, states);
        if (first == null) {
            try {
                first = upstream.execute(attempt -> {
                    Endpoint e = attempt.endpoint();
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(e.host(), e.port()),
                                (int) Math.max(1, attempt.timeout().toMillis()));
                    }
                    return e;
                });
            } catch (NoLiveEndpointException e) {
                throw new IOException("no RabbitMQ node reachable: " + e.getMessage(), e);
            }
        }
        List<Address> ordered = new ArrayList<>(endpoints.size());
        ordered.add(new Address(first.host(), first.port()));
        int start = endpoints.indexOf(first);
        List<Address> unhealthy = new ArrayList<>();
        for (int i = 1; i <= endpoints.size(); i++) {
            Endpoint e = endpoints.get((Math.max(start, 0) + i) % endpoints.size());
            if (e.equals(first)) {
                continue;
            }
            EndpointStatus s = states.get(e.name());
            if (s != null && s.state().takesTraffic()) {
                ordered.add(new Address(e.host(), e.port()));
            } else if (!e.down()) {
                unhealthy.add(new Address(e.host(), e.port()));
            }
        }
        ordered.addAll(unhealthy);
        return ordered;
    }

    private Endpoint preferredEndpoint(List<Endpoint> endpoints, Map<String, EndpointStatus> states) {
        Optional<String> name = preferred.get();
        if (name.isEmpty()) {
            return null;
        }
        for (Endpoint e : endpoints) {
            EndpointStatus s = states.get(e.name());
            if (e.name().equals(name.get()) && s != null && s.state().takesTraffic()) {
                return e;
            }
        }
        return null;
    }

    /** The order is the upstream's: never shuffled (amqp-client's default shuffles). */
    @Override
    public List<Address> maybeShuffle(List<Address> input) {
        return input;
    }
}
