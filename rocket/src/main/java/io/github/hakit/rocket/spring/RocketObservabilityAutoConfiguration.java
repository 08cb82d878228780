package io.github.hakit.rocket.spring;

import io.github.hakit.core.spring.HakitUpstream;
import io.github.hakit.rocket.NameServerGroup;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What comes with a {@link NameServerGroup} bean: its entry in the {@code hakit} actuator endpoint and in
 * {@code hakit.upstream.*} meters (a {@link HakitUpstream} bean), and the actuator health indicator
 * {@code hakitRocket}.
 */
@AutoConfiguration(after = RocketAutoConfiguration.class)
@ConditionalOnClass(NameServerGroup.class)
@ConditionalOnBean(NameServerGroup.class)
public class RocketObservabilityAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "hakitRocketUpstream")
    public HakitUpstream hakitRocketUpstream(NameServerGroup nameServers, RocketProperties p) {
        return new HakitUpstream("rocket", nameServers.upstream(), p.getHealth().isRequired());
    }

    /** Actuator health {@code hakitRocket}: NameServer states and broker groups. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "hakitRocketHealthIndicator")
        HealthIndicator hakitRocketHealthIndicator(NameServerGroup nameServers, RocketProperties p) {
            return new RocketHealthIndicator(nameServers, p.getHealth().isRequired());
        }
    }
}
