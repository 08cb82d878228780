package io.github.hakit.core.spring;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * What every hakit module shares in a Spring Boot application: the {@code hakit} actuator endpoint over all
 * {@link HakitUpstream} beans (when Spring Boot Actuator is present) and their {@code hakit.upstream.*} meters
 * (when Micrometer is present), each upstream bound once per registry. The endpoint follows Actuator's rules: enabled
 * by default, reachable over HTTP once exposed ({@code management.endpoints.web.exposure.include=health,hakit}),
 * write operations refused unless {@code management.endpoint.hakit.write-enabled=true}.
 */
@AutoConfiguration
public class HakitCoreAutoConfiguration {

    /** The {@code hakit} actuator endpoint. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.boot.actuate.endpoint.annotation.Endpoint",
            "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint"})
    static class ActuatorEndpoint {
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint(endpoint = HakitEndpoint.class)
        HakitEndpoint hakitEndpoint(ObjectProvider<HakitUpstream> upstreams, Environment env) {
            boolean write = env.getProperty("management.endpoint.hakit.write-enabled", Boolean.class, false);
            return new HakitEndpoint(() -> upstreams.orderedStream().toList(), write);
        }
    }

    /** {@code hakit.upstream.*} meters of every hakit upstream, registered once. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean(name = "hakitUpstreamMetrics")
        HakitUpstreamMetrics hakitUpstreamMetrics(ObjectProvider<HakitUpstream> upstreams) {
            return new HakitUpstreamMetrics(() -> upstreams.orderedStream().toList());
        }
    }
}
