package io.github.hakit.core;

import io.github.hakit.core.balance.AllDownPolicy;
import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything that describes an upstream, as read from an Nginx {@code upstream} block, an HAProxy
 * {@code backend}, or built in code. {@link Upstream.Builder#config(UpstreamConfig)} takes it.
 *
 * <pre>{@code
 * UpstreamConfig cfg = NginxUpstreamParser.parse("""
 *     upstream fdfs_group1 {
 *         server 10.0.0.5:80 weight=1 max_fails=2 fail_timeout=30s;
 *         server 10.0.0.6:80 weight=1 max_fails=2 fail_timeout=30s;
 *     }
 *     proxy_next_upstream http_502 http_504 error timeout invalid_header;
 *     """);
 * }</pre>
 *
 * @param name               upstream name (used in logs, metrics and errors)
 * @param endpoints          names must be unique; empty only for an upstream that routes per-call candidate
 *                           lists ({@link Upstream#execute(Candidates, CallOptions, UpstreamCall)})
 * @param balancer           how endpoints are chosen
 * @param nextUpstream       retry policy
 * @param healthCheck        active check settings for endpoints without their own; {@code null} = endpoints
 *                           without their own settings are not actively checked
 * @param allDown            behaviour when too few endpoints are healthy
 * @param maxEjectionPercent at most this percentage of primaries is taken out by passive failure accounting at
 *                           once (Envoy's {@code max_ejection_percent}); 100 = no cap
 * @param wholeSeconds       {@code max_fails}/{@code fail_timeout} bookkeeping in whole seconds, as Nginx compares
 *                           {@code ngx_time()} (a 3 s {@code fail_timeout} re-admits after 3.0 to 4.0 s); parsed
 *                           Nginx upstreams set it, {@code false} keeps nanoseconds (not Nginx)
 */
public record UpstreamConfig(String name, List<Endpoint> endpoints, Balancer balancer,
        NextUpstreamPolicy nextUpstream, HealthCheckConfig healthCheck, AllDownPolicy allDown,
        int maxEjectionPercent, boolean wholeSeconds) {

    /** A config with nanosecond passive-health time. */
    public UpstreamConfig(String name, List<Endpoint> endpoints, Balancer balancer, NextUpstreamPolicy nextUpstream,
            HealthCheckConfig healthCheck, AllDownPolicy allDown, int maxEjectionPercent) {
        this(name, endpoints, balancer, nextUpstream, healthCheck, allDown, maxEjectionPercent, false);
    }

    public UpstreamConfig {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("empty upstream name: '" + name + "'");
        }
        Objects.requireNonNull(endpoints, "endpoints");
        endpoints = List.copyOf(endpoints);
        Set<String> names = new HashSet<>();
        for (Endpoint e : endpoints) {
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("duplicate endpoint name '" + e.name() + "' in upstream '" + name + "'");
            }
        }
        balancer = balancer == null ? Balancer.ROUND_ROBIN : balancer;
        nextUpstream = nextUpstream == null ? NextUpstreamPolicy.ofDefaults() : nextUpstream;
        allDown = allDown == null ? AllDownPolicy.tryAnyway() : allDown;
        if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
            throw new IllegalArgumentException("maxEjectionPercent out of range 0..100: " + maxEjectionPercent);
        }
    }

    /** A config with defaults: round robin, Nginx next-upstream defaults, no active checks. */
    public static UpstreamConfig of(String name, List<Endpoint> endpoints) {
        return new UpstreamConfig(name, endpoints, Balancer.ROUND_ROBIN, NextUpstreamPolicy.ofDefaults(), null,
                AllDownPolicy.tryAnyway(), 100);
    }

    /** A copy with other endpoints. */
    public UpstreamConfig withEndpoints(List<Endpoint> newEndpoints) {
        return new UpstreamConfig(name, newEndpoints, balancer, nextUpstream, healthCheck, allDown, maxEjectionPercent,
                wholeSeconds);
    }

    /** A copy with another next-upstream policy. */
    public UpstreamConfig withNextUpstream(NextUpstreamPolicy policy) {
        return new UpstreamConfig(name, endpoints, balancer, policy, healthCheck, allDown, maxEjectionPercent,
                wholeSeconds);
    }

    /** Primary (non-backup) endpoints, in declared order. */
    public List<Endpoint> primaries() {
        List<Endpoint> out = new ArrayList<>();
        for (Endpoint e : endpoints) {
            if (!e.backup()) {
                out.add(e);
            }
        }
        return out;
    }
}
