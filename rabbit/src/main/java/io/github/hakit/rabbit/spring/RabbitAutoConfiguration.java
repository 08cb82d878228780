package io.github.hakit.rabbit.spring;

import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.metrics.UpstreamMetrics;
import io.github.hakit.rabbit.PublisherConfig;
import io.github.hakit.rabbit.RabbitCluster;
import io.github.hakit.rabbit.ReliablePublisher;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot auto-configuration: a {@link RabbitCluster} when {@code hakit.rabbit.addresses} is set, a
 * {@link ReliablePublisher} when {@code hakit.rabbit.publisher.enabled=true}, an actuator health indicator
 * ({@code rabbit}) and Micrometer meters of the node upstream when those libraries are present.
 *
 * <pre>
 * hakit.rabbit.addresses=10.0.0.1:5672,10.0.0.2:5672,10.0.0.3:5672
 * </pre>
 */
@AutoConfiguration
@ConditionalOnClass(RabbitCluster.class)
@ConditionalOnProperty(prefix = "hakit.rabbit", name = "addresses")
@EnableConfigurationProperties(RabbitProperties.class)
public class RabbitAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public RabbitCluster rabbitCluster(RabbitProperties p) {
        HealthCheckConfig check = p.getHealthCheck().toConfig();
        if (check == null) {
            throw new IllegalStateException("hakit.rabbit.health-check.enabled=false: the RabbitMQ cluster routes by"
                    + " node health and cannot run without checks; tune inter/rise/fall instead");
        }
        RabbitCluster.Builder b = RabbitCluster.builder()
                .credentials(p.getUsername(), p.getPassword())
                .virtualHost(p.getVirtualHost())
                .connectionTimeout(p.getConnectionTimeout())
                .handshakeTimeout(p.getHandshakeTimeout())
                .heartbeat(p.getHeartbeat())
                .healthCheck(check)
                .managementUrls(p.getManagementUrls());
        if (p.getAddresses() != null && !p.getAddresses().isBlank()) {
            b.endpoints(p.getAddresses());
        }
        if (!p.getServers().isEmpty()) {
            b.haproxyServers(String.join("\n", p.getServers()));
        }
        return b.build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "hakit.rabbit.publisher", name = "enabled", havingValue = "true")
    public ReliablePublisher reliablePublisher(RabbitCluster cluster, RabbitProperties p) {
        RabbitProperties.Publisher pub = p.getPublisher();
        PublisherConfig.Builder config = PublisherConfig.builder().maxInFlight(pub.getMaxInFlight())
                .whenFull(PublisherConfig.WhenFull.BLOCK, pub.getBlockTimeout())
                .confirmDeadline(pub.getConfirmDeadline());
        if (pub.getLeaderQueue() != null && !pub.getLeaderQueue().isBlank()) {
            config.leaderOf(pub.getLeaderQueue());
        }
        return cluster.publisher(config.build());
    }

    /** Actuator health: DOWN when no node takes traffic (or the management API reports a partition). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "rabbitHealthIndicator")
        HealthIndicator rabbitHealthIndicator(RabbitCluster cluster) {
            return new RabbitHealthIndicator(cluster);
        }
    }

    /** Micrometer meters of the node upstream (hakit.upstream.* from core). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean(name = "rabbitNodeMetrics")
        UpstreamMetrics rabbitNodeMetrics(RabbitCluster cluster) {
            return new UpstreamMetrics(cluster.upstream());
        }
    }
}
