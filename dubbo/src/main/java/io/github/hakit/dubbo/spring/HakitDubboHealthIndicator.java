package io.github.hakit.dubbo.spring;

import java.util.LinkedHashMap;
import java.util.Map;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.UpstreamStatus;
import io.github.hakit.core.spring.UpstreamHealth;
import io.github.hakit.dubbo.HakitDubbo;
import org.apache.dubbo.rpc.model.ApplicationModel;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Actuator health of the Dubbo references routed by hakit: DOWN when some reference has no provider that
 * takes traffic (all ejected, down or gone), UP otherwise; details list each reference with one structured
 * object per provider ({@link UpstreamHealth#details}).
 *
 * <pre>{@code
 * new HakitDubboHealthIndicator(applicationModel).health().getStatus();   // UP / DOWN
 * }</pre>
 */
public class HakitDubboHealthIndicator extends AbstractHealthIndicator {
    private final ApplicationModel application;

    public HakitDubboHealthIndicator(ApplicationModel application) {
        super("hakit Dubbo health check failed");
        this.application = application;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean up = true;
        Map<String, Object> references = new LinkedHashMap<>();
        for (Upstream upstream : HakitDubbo.upstreams(application)) {
            UpstreamStatus status = upstream.status();
            up &= status.available() > 0;
            // one object per provider (state, checkStatus, fails, weight, lastChange, zone), as every hakit module
            references.put(status.name(), UpstreamHealth.details(status, true));
        }
        (up ? builder.up() : builder.down()).withDetail("references", references);
    }
}
