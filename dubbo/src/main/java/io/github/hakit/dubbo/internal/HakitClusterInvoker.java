package io.github.hakit.dubbo.internal;

import java.net.ConnectException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.github.hakit.core.CallOptions;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import io.github.hakit.core.UpstreamCallException;
import io.github.hakit.core.Upstream;
import io.github.hakit.dubbo.ConsumerOptions;
import io.github.hakit.dubbo.HakitDubbo;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.Result;
import org.apache.dubbo.rpc.RpcException;
import org.apache.dubbo.rpc.cluster.Directory;
import org.apache.dubbo.rpc.cluster.LoadBalance;
import org.apache.dubbo.rpc.cluster.support.AbstractClusterInvoker;
import org.apache.dubbo.rpc.support.RpcUtils;

/**
 * Routes each call through a hakit-core {@link Upstream} whose endpoints are the directory's current
 * providers: Nginx smooth weighted round robin over Dubbo's {@code weight}, passive health
 * ({@code max_fails} within {@code fail_timeout} takes a provider out for {@code fail_timeout}), and
 * next-upstream retries on a <em>different</em> provider. With a consumer zone, providers of other
 * zones are backup endpoints: used only while no own-zone provider is usable.
 *
 * <p>Dubbo's load balancer is not used. Asynchronous calls count as successful once sent (their
 * outcome arrives later, outside the cluster).
 */
final class HakitClusterInvoker<T> extends AbstractClusterInvoker<T> {
    private static final DubboFailures FAILURES = new DubboFailures();

    private final ConsumerOptions options;
    private final ConsumerRuntime runtime;
    private final Object lock = new Object();
    private volatile Upstream upstream;
    private volatile Membership<T> membership;

    /** The invokers an upstream's endpoints stand for; swapped as a whole. */
    private record Membership<T>(List<Invoker<T>> source, Map<String, Invoker<T>> byName, List<Endpoint> endpoints) {
    }

    HakitClusterInvoker(Directory<T> directory) {
        super(directory);
        this.runtime = ConsumerRuntime.of(directory.getConsumerUrl());
        this.options = runtime == null ? ConsumerOptions.builder().build() : runtime.options();
    }

    @Override
    protected Result doInvoke(Invocation invocation, List<Invoker<T>> invokers, LoadBalance loadbalance)
            throws RpcException {
        Membership<T> current = sync(invokers);
        Upstream up = upstream;
        CallOptions callOptions = options.idempotent() ? CallOptions.idempotent() : CallOptions.nonIdempotent();
        try {
            return up.execute(callOptions, attempt -> {
                Invoker<T> invoker = current.byName().get(attempt.endpoint().name());
                if (invoker == null || !invoker.isAvailable()) {
                    throw new RpcException(RpcException.NETWORK_EXCEPTION, "provider " + attempt.endpoint().name()
                            + " of " + getInterface().getName() + " is not connected",
                            new ConnectException("not connected to " + attempt.endpoint().name()));
                }
                return invokeWithContext(invoker, invocation);
            });
        } catch (UpstreamCallException e) {
            int code = e.getCause() instanceof RpcException r ? r.getCode() : RpcException.NETWORK_EXCEPTION;
            throw new RpcException(code, "hakit: failed to invoke " + RpcUtils.getMethodName(invocation) + " of "
                    + getInterface().getName() + ": " + e.getMessage(), e.getCause() != null ? e.getCause() : e);
        }
    }

    /** Brings the upstream's endpoints in line with {@code invokers}; keeps health state of those that stay. */
    private Membership<T> sync(List<Invoker<T>> invokers) {
        Membership<T> m = membership;
        if (m != null && sameInvokers(m.source(), invokers)) {
            return m;
        }
        synchronized (lock) {
            m = membership;
            if (m != null && sameInvokers(m.source(), invokers)) {
                return m;
            }
            List<Endpoint> endpoints = new ArrayList<>(invokers.size());
            Map<String, Invoker<T>> byName = new HashMap<>();
            for (Invoker<T> invoker : invokers) {
                Endpoint e = endpoint(invoker.getUrl());
                if (byName.putIfAbsent(e.name(), invoker) == null) {
                    endpoints.add(e);
                }
            }
            Membership<T> next = new Membership<>(List.copyOf(invokers), Map.copyOf(byName), List.copyOf(endpoints));
            if (upstream == null) {
                upstream = Upstream.builder("dubbo:" + getInterface().getName())
                        .endpoints(endpoints)
                        .balancer(options.balancer())
                        .nextUpstream(NextUpstreamPolicy.builder().tries(tries()).build())
                        .classifier(FAILURES)
                        .build();
                if (runtime != null) {
                    runtime.register(upstream);
                }
            } else if (m == null || !m.endpoints().equals(next.endpoints())) {
                upstream.setEndpoints(endpoints);
                if (runtime != null) {
                    runtime.changed(upstream);
                }
            }
            membership = next;
            return next;
        }
    }

    private static <T> boolean sameInvokers(List<Invoker<T>> a, List<Invoker<T>> b) {
        if (a == b) {
            return true;
        }
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }

    /** Dubbo's {@code retries} (default 2) + 1 attempts, as the failover cluster does. */
    private int tries() {
        int retries = getUrl().getParameter("retries", 2);
        return Math.max(1, retries + 1);
    }

    private Endpoint endpoint(URL url) {
        String zone = url.getParameter(HakitDubbo.ZONE_KEY, "");
        boolean otherZone = options.preferZone() && !options.zone().isEmpty() && !zone.isEmpty()
                && !zone.equals(options.zone());
        int weight = Math.max(0, Math.min(Endpoint.MAX_WEIGHT, url.getParameter("weight", 100)));
        return Endpoint.builder(url.getHost(), url.getPort())
                .weight(weight)
                .maxFails(options.maxFails())
                .failTimeout(options.failTimeout())
                .zone(zone)
                .backup(otherZone)
                .build();
    }

    @Override
    public void destroy() {
        super.destroy();
        Upstream up = upstream;
        if (up != null) {
            if (runtime != null) {
                runtime.unregister(up);
            }
            up.close();
        }
    }
}
