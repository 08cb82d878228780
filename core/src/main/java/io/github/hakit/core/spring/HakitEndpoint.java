package io.github.hakit.core.spring;

import io.github.hakit.core.Secrets;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.UpstreamStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.lang.Nullable;

/**
 * The {@code hakit} actuator endpoint: every hakit upstream of the application with HAProxy's status table and one
 * object per node, plus HAProxy's runtime operations (drain, maintenance, ready, weight).
 *
 * <pre>
 * GET  /actuator/hakit                          every upstream: table lines and nodes
 * GET  /actuator/hakit/{upstream}               one upstream
 * POST /actuator/hakit/{upstream}/{node}        {"action":"drain"}   (or maintenance, ready, weight + "weight":0..)
 * </pre>
 *
 * Like every actuator endpoint it is reachable over HTTP only when exposed
 * ({@code management.endpoints.web.exposure.include=health,hakit}) and is secured by the application's own
 * actuator security. The write operation answers 403 unless {@code management.endpoint.hakit.write-enabled=true}.
 */
@Endpoint(id = "hakit")
public class HakitEndpoint {
    private final Supplier<List<HakitUpstream>> upstreams;
    private final boolean writeEnabled;

    /**
     * @param upstreams    the application's upstreams, read on every request (modules may start theirs late)
     * @param writeEnabled whether drain / maintenance / ready / weight are allowed
     */
    public HakitEndpoint(Supplier<List<HakitUpstream>> upstreams, boolean writeEnabled) {
        this.upstreams = Objects.requireNonNull(upstreams, "upstreams");
        this.writeEnabled = writeEnabled;
    }

    /** Every upstream, keyed by name. */
    @ReadOperation
    public Map<String, Object> upstreams() {
        Map<String, Object> all = new LinkedHashMap<>();
        for (HakitUpstream u : upstreams.get()) {
            all.put(u.name(), describe(u));
        }
        return all;
    }

    /** One upstream, or 404 when there is no such upstream. */
    @ReadOperation
    public WebEndpointResponse<Map<String, Object>> upstream(@Selector String upstream) {
        HakitUpstream u = find(upstream);
        if (u == null) {
            return new WebEndpointResponse<>(Map.of("error", "no upstream '" + Secrets.redact(upstream) + "'",
                    "upstreams", names()), WebEndpointResponse.STATUS_NOT_FOUND);
        }
        return new WebEndpointResponse<>(describe(u));
    }

    /**
     * Changes a node at run time: {@code drain} (no new calls), {@code maintenance} (no calls, no checks),
     * {@code ready} (back to service), {@code weight} (with {@code weight} 0..1000000; 0 = no new calls).
     */
    @WriteOperation
    public WebEndpointResponse<Map<String, Object>> operate(@Selector String upstream, @Selector String node,
            String action, @Nullable Integer weight) {
        if (!writeEnabled) {
            return new WebEndpointResponse<>(Map.of("error", "hakit write operations are disabled; set "
                    + "management.endpoint.hakit.write-enabled=true to allow drain, maintenance, ready and weight"),
                    403);
        }
        HakitUpstream u = find(upstream);
        if (u == null) {
            return new WebEndpointResponse<>(Map.of("error", "no upstream '" + Secrets.redact(upstream) + "'",
                    "upstreams", names()), WebEndpointResponse.STATUS_NOT_FOUND);
        }
        Upstream up = u.upstream();
        String a = action == null ? "" : action.trim().toLowerCase(Locale.ROOT);
        try {
            up.status().endpoint(node); // 400 below for an unknown node
            switch (a) {
                case "drain" -> up.drain(node);
                case "maintenance", "maint" -> up.maintenance(node);
                case "ready" -> up.ready(node);
                case "weight" -> {
                    if (weight == null) {
                        throw new IllegalArgumentException("action weight needs \"weight\": 0..1000000");
                    }
                    up.setWeight(node, weight);
                }
                default -> throw new IllegalArgumentException("unknown action '" + Secrets.redact(action)
                        + "'; expected drain, maintenance, ready or weight");
            }
        } catch (IllegalArgumentException e) {
            return new WebEndpointResponse<>(Map.of("error", Secrets.message(e)),
                    WebEndpointResponse.STATUS_BAD_REQUEST);
        }
        return new WebEndpointResponse<>(describe(u));
    }

    private Map<String, Object> describe(HakitUpstream u) {
        UpstreamStatus status = u.upstream().status();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("module", u.module());
        d.put("status", UpstreamHealth.status(status.available() > 0, u.required()).getCode());
        d.put("table", Secrets.redact(status.render()).lines().toList());
        d.putAll(UpstreamHealth.details(status, u.required()));
        return d;
    }

    private HakitUpstream find(String name) {
        for (HakitUpstream u : upstreams.get()) {
            if (u.name().equals(name)) {
                return u;
            }
        }
        return null;
    }

    private List<String> names() {
        return upstreams.get().stream().map(HakitUpstream::name).toList();
    }
}
