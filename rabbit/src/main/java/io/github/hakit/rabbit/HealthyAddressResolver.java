package io.github.hakit.rabbit;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.AddressResolver;
import io.github.hakit.core.CallOptions;
import io.github.hakit.core.Candidates;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.EndpointStatus;
import io.github.hakit.core.HealthState;
import io.github.hakit.core.NoLiveEndpointException;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.UpstreamStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An amqp-client {@link AddressResolver} that returns the RabbitMQ nodes in the order the {@link Upstream} prefers
 * them. Each call reads <em>one</em> {@link Upstream#status()} snapshot and
 * <ol>
 *   <li>puts a {@code preferred} endpoint (e.g. a quorum queue's leader) first when that snapshot shows it taking
 *       traffic;</li>
 *   <li>otherwise lets core choose the first node: {@link Upstream#execute(Candidates, CallOptions,
 *       io.github.hakit.core.UpstreamCall)} over the nodes in rotating order with a TCP connect as the call — core
 *       skips nodes that are DOWN or passively ejected, counts a refused connect as a passive failure and moves to
 *       the next node at once, and when every node is out tries the one it postponed least (core's all-down
 *       policy);</li>
 *   <li>then lists the other nodes that take traffic, then the ones that do not (longest out first: their ejection
 *       ends first), then the {@code avoid}ed ones (a node the caller just lost); nodes in MAINT or {@code down}
 *       are left out.</li>
 * </ol>
 * amqp-client's own connection logic (and its automatic recovery) tries them in that order; the list is never
 * shuffled.
 *
 * <pre>{@code
 * Connection c = factory.newConnection(new HealthyAddressResolver(upstream, Optional::empty), "orders");
 * }</pre>
 */
public final class HealthyAddressResolver implements AddressResolver {
    private final Upstream upstream;
    private final Supplier<Optional<String>> preferred;
    private final Predicate<String> avoid;

    /** Health-ordered addresses, {@code preferred} (an endpoint name) first while it takes traffic. */
    public HealthyAddressResolver(Upstream upstream, Supplier<Optional<String>> preferred) {
        this(upstream, preferred, name -> false);
    }

    /**
     * Like {@link #HealthyAddressResolver(Upstream, Supplier)}; endpoints {@code avoid} names (by endpoint name)
     * go last, after every other node, and are never the first pick while another node is left.
     */
    public HealthyAddressResolver(Upstream upstream, Supplier<Optional<String>> preferred, Predicate<String> avoid) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.preferred = Objects.requireNonNull(preferred, "preferred");
        this.avoid = Objects.requireNonNull(avoid, "avoid");
    }

    @Override
    public List<Address> getAddresses() throws IOException {
        List<Endpoint> endpoints = upstream.endpoints();
        UpstreamStatus snapshot = upstream.status();
        Map<String, EndpointStatus> rows = new HashMap<>();
        for (EndpointStatus s : snapshot.endpoints()) {
            rows.put(s.name(), s);
        }
        List<Endpoint> eligible = new ArrayList<>(endpoints.size());
        List<Endpoint> avoided = new ArrayList<>();
        for (Endpoint e : endpoints) {
            EndpointStatus s = rows.get(e.name());
            if (e.down() || s == null || s.state() == HealthState.MAINT) {
                continue;
            }
            (avoid.test(e.name()) ? avoided : eligible).add(e);
        }
        if (eligible.isEmpty()) {
            eligible = avoided;
            avoided = List.of();
        }
        if (eligible.isEmpty()) {
            throw new IOException("no RabbitMQ node to connect to: every endpoint is down or in maintenance");
        }
        Endpoint first = preferredEndpoint(eligible, rows);
        if (first == null) {
            first = corePick(eligible);
        }
        List<Address> ordered = new ArrayList<>(endpoints.size());
        ordered.add(address(first));
        int start = Math.max(0, eligible.indexOf(first));
        List<Endpoint> out = new ArrayList<>();
        for (int i = 1; i < eligible.size(); i++) {
            Endpoint e = eligible.get((start + i) % eligible.size());
            if (rows.get(e.name()).state().takesTraffic()) {
                ordered.add(address(e));
            } else {
                out.add(e);
            }
        }
        out.sort(Comparator.comparing((Endpoint e) -> rows.get(e.name()).sinceLastChange()).reversed());
        out.forEach(e -> ordered.add(address(e)));
        avoided.forEach(e -> ordered.add(address(e)));
        return ordered;
    }

    private Endpoint corePick(List<Endpoint> eligible) throws IOException {
        try {
            return upstream.execute(Candidates.rotating(eligible), CallOptions.idempotent(), attempt -> {
                Endpoint e = attempt.endpoint();
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(e.host(), e.port()),
                            (int) Math.max(1, Math.min(Integer.MAX_VALUE, attempt.timeout().toMillis())));
                }
                return e;
            });
        } catch (NoLiveEndpointException e) {
            throw new IOException("no RabbitMQ node reachable: " + e.getMessage(), e);
        }
    }

    private Endpoint preferredEndpoint(List<Endpoint> eligible, Map<String, EndpointStatus> rows) {
        Optional<String> name = preferred.get();
        if (name == null || name.isEmpty()) {
            return null;
        }
        for (Endpoint e : eligible) {
            if (e.name().equals(name.get()) && rows.get(e.name()).state().takesTraffic() && !avoid.test(e.name())) {
                return e;
            }
        }
        return null;
    }

    private static Address address(Endpoint e) {
        return new Address(e.host(), e.port());
    }

    /** The order is the upstream's: never shuffled (amqp-client's default shuffles). */
    @Override
    public List<Address> maybeShuffle(List<Address> input) {
        return input;
    }
}
