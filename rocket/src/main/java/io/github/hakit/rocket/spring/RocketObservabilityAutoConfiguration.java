package io.github.hakit.rocket.spring;

import io.github.hakit.core.spring.HakitUpstream;
import io.github.hakit.rocket.HaProducer;
import io.github.hakit.rocket.HaProducerMetrics;
import io.github.hakit.rocket.NameServerGroup;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What comes with a {@link NameServerGroup} bean: its entry in the {@code hakit} actuator endpoint and in
 * {@code hakit.upstream.*} meters (a {@link HakitUpstream} bean), producer meters {@code hakit.rocketmq.producer.*}
 * ({@link HaProducerMetrics}), and the actuator health indicator {@code hakitRocket}.
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

    /**
     * Producer meters ({@link HaProducerMetrics}) for every {@link HaProducer} bean and every {@code RocketMQTemplate}
     * producer hakit wraps, bound once all singletons exist.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class ProducerMeters {
        @Bean
        @ConditionalOnBean(MeterRegistry.class)
        @ConditionalOnMissingBean(name = "hakitRocketProducerMeters")
        SmartInitializingSingleton hakitRocketProducerMeters(ObjectProvider<MeterRegistry> registry,
                ObjectProvider<HaProducer> producers, ObjectProvider<WrappedProducers> wrapped) {
            return () -> registry.ifAvailable(r -> {
                Set<HaProducer> all = new LinkedHashSet<>();
                producers.orderedStream().forEach(all::add);
                wrapped.ifAvailable(pp -> all.addAll(pp.producers()));
                all.forEach(p -> new HaProducerMetrics(p).bindTo(r));
            });
        }
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
