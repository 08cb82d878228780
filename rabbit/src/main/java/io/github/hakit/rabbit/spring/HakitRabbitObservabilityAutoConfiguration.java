package io.github.hakit.rabbit.spring;

import io.github.hakit.core.spring.HakitUpstream;
import io.github.hakit.rabbit.PublisherConfig;
import io.github.hakit.rabbit.PublisherMetrics;
import io.github.hakit.rabbit.RabbitCluster;
import io.github.hakit.rabbit.ReliablePublisher;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What comes with a {@link RabbitCluster} bean: hakit's {@link ReliablePublisher} when
 * {@code hakit.rabbit.publisher.enabled=true}, the cluster's entry in the {@code hakit} actuator endpoint, an
 * actuator health indicator named {@code hakitRabbit} <em>beside</em> Spring Boot's own {@code rabbit} indicator,
 * the publisher's meters ({@link PublisherMetrics}, a {@code MeterBinder} bean)
 * (the cluster's {@code hakit.upstream.*} meters come from core's {@code HakitCoreAutoConfiguration} through the
 * {@link HakitUpstream} bean).
 */
@AutoConfiguration(after = HakitRabbitAutoConfiguration.class)
@ConditionalOnClass(RabbitCluster.class)
@ConditionalOnBean(RabbitCluster.class)
public class HakitRabbitObservabilityAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "hakit.rabbit.publisher", name = "enabled", havingValue = "true")
    public ReliablePublisher reliablePublisher(RabbitCluster cluster, HakitRabbitProperties p) {
        HakitRabbitProperties.Publisher pub = p.getPublisher();
        PublisherConfig.Builder config = PublisherConfig.builder().maxInFlight(pub.getMaxInFlight())
                .whenFull(PublisherConfig.WhenFull.BLOCK, pub.getBlockTimeout())
                .confirmDeadline(pub.getConfirmDeadline()).electionTimeout(pub.getElectionTimeout());
        if (pub.getLeaderQueue() != null && !pub.getLeaderQueue().isBlank()) {
            config.leaderOf(pub.getLeaderQueue());
        }
        return cluster.publisher(config.build());
    }

    @Bean
    @ConditionalOnMissingBean(name = "hakitRabbitUpstream")
    public HakitUpstream hakitRabbitUpstream(RabbitCluster cluster, HakitRabbitProperties p) {
        return new HakitUpstream("rabbit", cluster.upstream(), p.getHealth().isRequired());
    }

    /** The publisher's meters ({@link PublisherMetrics}); Spring Boot binds every {@code MeterBinder} bean. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean(name = "hakitRabbitPublisherMetrics")
        MeterBinder hakitRabbitPublisherMetrics(ObjectProvider<ReliablePublisher> publishers) {
            return registry -> publishers.orderedStream().forEach(p -> new PublisherMetrics(p).bindTo(registry));
        }
    }

    /** Actuator health {@code hakitRabbit}; Spring Boot's {@code rabbit} indicator stays. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "hakitRabbitHealthIndicator")
        HealthIndicator hakitRabbitHealthIndicator(RabbitCluster cluster, HakitRabbitProperties p) {
            return new HakitRabbitHealthIndicator(cluster, p.getHealth().isRequired());
        }
    }
}
