package io.github.hakit.core.spring;

import io.github.hakit.core.EndpointStatus;
import io.github.hakit.core.Secrets;
import io.github.hakit.core.UpstreamStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * Structured actuator health for hakit upstreams: one JSON object per node (never a text table inside a string) and
 * one explicit aggregate rule, shared by every module's health indicator.
 *
 * <p>The rule: a cluster is {@code DOWN} only when <em>no</em> node of it is usable (takes traffic). A cluster
 * with at least one usable node is {@code UP}, however many others are down — failover is what hakit is for, and
 * the per-node objects say which nodes are out. An optional cluster ({@code hakit.<module>.health.required=false})
 * with no usable node is {@code UNKNOWN}, which Spring Boot's default status order ranks below {@code UP}, so it
 * never takes the application down.
 *
 * <pre>{@code
 * Health.Builder b = Health.up();
 * UpstreamHealth.apply(b, cluster.status(), required);
 * // {"status":"UP","details":{"upstream":"rabbitmq","available":2,"total":3,"required":true,
 * //   "nodes":{"a":{"address":"10.0.0.1:5672","state":"UP","checkStatus":"UP","fails":0,"weight":1,...}}}}
 * }</pre>
 *
 * Every text that comes from a node or an exception passes {@link Secrets#redact(String)}.
 */
public final class UpstreamHealth {
    private UpstreamHealth() {
    }

    /** The status the rule gives: UP with a usable node, else DOWN when required, UNKNOWN when optional. */
    public static Status status(boolean anyUsable, boolean required) {
        if (anyUsable) {
            return Status.UP;
        }
        return required ? Status.DOWN : Status.UNKNOWN;
    }

    /** Sets {@code builder}'s status by the rule and adds the upstream's structured details. */
    public static Health.Builder apply(Health.Builder builder, UpstreamStatus status, boolean required) {
        builder.status(status(status.available() > 0, required));
        details(status, required).forEach(builder::withDetail);
        return builder;
    }

    /** {@code upstream}, {@code balancer}, {@code available}, {@code total}, {@code required}, {@code panic}, {@code nodes}. */
    public static Map<String, Object> details(UpstreamStatus status, boolean required) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("upstream", status.name());
        d.put("balancer", status.balancer().name().toLowerCase(java.util.Locale.ROOT));
        d.put("available", status.available());
        d.put("total", status.endpoints().size());
        d.put("required", required);
        d.put("panic", status.panic());
        d.put("nodes", nodes(status));
        return d;
    }

    /** One object per node, keyed by node name, in declared order. */
    public static Map<String, Object> nodes(UpstreamStatus status) {
        Map<String, Object> nodes = new LinkedHashMap<>();
        for (EndpointStatus e : status.endpoints()) {
            nodes.put(Secrets.redact(e.name()), node(e));
        }
        return nodes;
    }

    /**
     * One node: {@code address}, {@code state} (the {@code HealthState}), {@code checkStatus} (HAProxy's status
     * column, e.g. {@code UP 2/3}), {@code fails}, {@code weight}, {@code effectiveWeight}, {@code active},
     * {@code backup}, {@code successes}, {@code failures}, {@code lastCheck}, {@code checked}, {@code lastChange}
     * ({@code secondsAgo} — HAProxy's {@code lastchg} — and {@code cause}), {@code zone}, {@code dynamic}.
     */
    public static Map<String, Object> node(EndpointStatus e) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("address", Secrets.redact(e.address()));
        n.put("state", e.state().name());
        n.put("checkStatus", e.statusText());
        n.put("fails", e.fails());
        n.put("weight", e.weight());
        n.put("effectiveWeight", e.effectiveWeight());
        n.put("active", e.activeCalls());
        n.put("backup", e.backup());
        n.put("successes", e.successes());
        n.put("failures", e.failures());
        n.put("lastCheck", Secrets.redact(e.lastCheck()));
        n.put("checked", e.checked());
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("secondsAgo", e.sinceLastChange() == null ? null : e.sinceLastChange().toMillis() / 1000.0);
        change.put("cause", Secrets.redact(e.lastChangeCause()));
        n.put("lastChange", change);
        if (e.dynamic()) {
            n.put("dynamic", true);
        }
        if (e.zone() != null && !e.zone().isEmpty()) {
            n.put("zone", e.zone());
        }
        return n;
    }
}
