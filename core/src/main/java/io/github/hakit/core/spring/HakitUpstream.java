package io.github.hakit.core.spring;

import io.github.hakit.core.Upstream;
import java.util.Objects;

/**
 * One hakit upstream an application runs, as a Spring bean: the module that owns it, the upstream, and whether
 * the application needs it. Module auto-configurations register one per cluster; the {@code hakit} actuator
 * endpoint lists them and the modules' health indicators apply the aggregate rule with {@link #required()}.
 *
 * <pre>{@code
 * @Bean
 * HakitUpstream rabbitUpstream(RabbitCluster cluster) {
 *     return new HakitUpstream("rabbit", cluster.upstream(), true);
 * }
 * }</pre>
 *
 * @param module   the hakit module ({@code fastdfs}, {@code rabbit}, {@code rocket}, {@code dubbo})
 * @param upstream the live upstream
 * @param required whether the application is DOWN when no node of this upstream is usable ({@code false}: the
 *                 cluster is optional and its health shows {@code UNKNOWN} instead)
 */
public record HakitUpstream(String module, Upstream upstream, boolean required) {
    public HakitUpstream {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(upstream, "upstream");
    }

    /** The upstream's name. */
    public String name() {
        return upstream.name();
    }
}
