package io.github.hakit.core;

import io.github.hakit.core.balance.Balancer;
import java.util.List;

/**
 * A point-in-time view of an upstream, rendered by {@link #render()} like HAProxy's stats page.
 *
 * <pre>{@code
 * log.info("\n{}", upstream.status().render());
 * }</pre>
 *
 * @param name      upstream name
 * @param balancer  balancing algorithm
 * @param endpoints one row per endpoint, primaries first in declared order, then endpoints learned from per-call
 *                  candidate lists (marked {@code *} in {@link #render()})
 * @param panic     whether routing currently ignores health
 */
public record UpstreamStatus(String name, Balancer balancer, List<EndpointStatus> endpoints, boolean panic) {

    public UpstreamStatus {
        endpoints = List.copyOf(endpoints);
    }

    /** Endpoints that take traffic. */
    public long available() {
        return endpoints.stream().filter(e -> e.state().takesTraffic()).count();
    }

    /** The row of the named endpoint. */
    public EndpointStatus endpoint(String endpointName) {
        for (EndpointStatus e : endpoints) {
            if (e.name().equals(endpointName)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown endpoint '" + endpointName + "' in upstream '" + name + "'");
    }

    /** A fixed-width table like HAProxy's {@code show stat}. */
    public String render() {
        String[] head = {"server", "address", "status", "weight", "eff", "act", "fails", "ok", "err", "bck", "check"};
        String[][] rows = new String[endpoints.size()][];
        for (int i = 0; i < rows.length; i++) {
            EndpointStatus e = endpoints.get(i);
            rows[i] = new String[] {e.name() + (e.dynamic() ? "*" : ""), e.address(), e.statusText(),
                Integer.toString(e.weight()),
                Integer.toString(e.effectiveWeight()), Integer.toString(e.activeCalls()), Integer.toString(e.fails()),
                Long.toString(e.successes()), Long.toString(e.failures()), e.backup() ? "Y" : "-", e.lastCheck()};
        }
        int[] width = new int[head.length];
        for (int c = 0; c < head.length; c++) {
            width[c] = head[c].length();
            for (String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("upstream ").append(name).append(" (").append(balancer.name().toLowerCase(java.util.Locale.ROOT))
                .append(", ").append(available()).append('/').append(endpoints.size()).append(" available")
                .append(panic ? ", PANIC: routing ignores health" : "").append(")\n");
        appendRow(sb, head, width);
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < head.length; c++) {
            rule.append("-".repeat(width[c])).append(c + 1 < head.length ? "-+-" : "");
        }
        sb.append(rule).append('\n');
        for (String[] r : rows) {
            appendRow(sb, r, width);
        }
        return sb.toString();
    }

    private static void appendRow(StringBuilder sb, String[] cells, int[] width) {
        for (int c = 0; c < cells.length; c++) {
            sb.append(cells[c]).append(" ".repeat(width[c] - cells[c].length()));
            if (c + 1 < cells.length) {
                sb.append(" | ");
            }
        }
        int end = sb.length();
        while (end > 0 && sb.charAt(end - 1) == ' ') {
            end--;
        }
        sb.setLength(end);
        sb.append('\n');
    }
}
