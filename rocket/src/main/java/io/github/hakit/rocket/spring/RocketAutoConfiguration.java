package io.github.hakit.rocket.spring;

import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.metrics.UpstreamMetrics;
import io.github.hakit.rocket.HaProducer;
import io.github.hakit.rocket.HttpNameServerSource;
import io.github.hakit.rocket.NameServerGroup;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import org.apache.rocketmq.client.exception.MQClientException;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot auto-configuration: a started {@link NameServerGroup} when {@code hakit.rocket.name-servers},
 * {@code hakit.rocket.servers} or {@code hakit.rocket.address-server-url} is set, an {@link HaProducer} on it when
 * {@code hakit.rocket.producer.group} is set, an actuator health indicator ({@code rocket}) and Micrometer meters
 * of the NameServer upstream when those libraries are present. Consumers stay in application code
 * ({@code HaConsumer.push(group, nameServers)}): their listeners are the application's.
 *
 * <pre>
 * hakit.rocket.name-servers=10.0.0.1:9876;10.0.0.2:9876;10.0.0.3:9876
 * hakit.rocket.producer.group=order-producer
 * </pre>
 */
@AutoConfiguration
@ConditionalOnClass(NameServerGroup.class)
@Conditional(RocketAutoConfiguration.NameServersConfigured.class)
@EnableConfigurationProperties(RocketProperties.class)
public class RocketAutoConfiguration {

    /** Any one way of naming the NameServers. */
    static class NameServersConfigured extends AnyNestedCondition {
        NameServersConfigured() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(prefix = "hakit.rocket", name = "name-servers")
        static class Static {
        }

        @ConditionalOnProperty(prefix = "hakit.rocket", name = "servers[0]")
        static class Haproxy {
        }

        @ConditionalOnProperty(prefix = "hakit.rocket", name = "address-server-url")
        static class AddressServer {
        }
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public NameServerGroup rocketNameServerGroup(RocketProperties p) {
        HealthCheckConfig check = p.getHealthCheck().toConfig();
        if (check == null) {
            throw new IllegalStateException("hakit.rocket.health-check.enabled=false: the NameServer group keeps "
                    + "clients on the NameServers its checks find UP and cannot run without them; tune "
                    + "inter/rise/fall instead");
        }
        List<String> given = new ArrayList<>();
        if (p.getNameServers() != null && !p.getNameServers().isBlank()) {
            given.add("hakit.rocket.name-servers");
        }
        if (!p.getServers().isEmpty()) {
            given.add("hakit.rocket.servers");
        }
        if (p.getAddressServerUrl() != null && !p.getAddressServerUrl().isBlank()) {
            given.add("hakit.rocket.address-server-url");
        }
        if (given.size() != 1) {
            throw new IllegalStateException("set exactly one of hakit.rocket.name-servers, hakit.rocket.servers and "
                    + "hakit.rocket.address-server-url; set: " + given);
        }
        NameServerGroup.Builder b = NameServerGroup.builder(p.getName()).healthCheck(check)
                .maxFails(p.getMaxFails()).failTimeout(p.getFailTimeout())
                .sourceRefresh(p.getSourceRefresh()).sourceTimeout(p.getSourceTimeout());
        switch (given.get(0)) {
            case "hakit.rocket.name-servers" -> b.addresses(p.getNameServers());
            case "hakit.rocket.servers" -> b.haproxyBackend("backend " + p.getName() + "\n    "
                    + String.join("\n    ", p.getServers().stream().map(String::trim).toList()));
            default -> b.source(new HttpNameServerSource(new OkHttpClient(), p.getAddressServerUrl()));
        }
        return b.build().start();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "hakit.rocket.producer", name = "group")
    public HaProducer rocketProducer(NameServerGroup nameServers, RocketProperties p) throws MQClientException {
        RocketProperties.Producer config = p.getProducer();
        return HaProducer.builder(config.getGroup()).nameServers(nameServers).sendTimeout(config.getSendTimeout())
                .tries(config.getTries()).brokerIsolation(config.getBrokerIsolation()).build().start();
    }

    /** Actuator health: NameServer states and broker groups. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "rocketHealthIndicator")
        HealthIndicator rocketHealthIndicator(NameServerGroup nameServers) {
            return new RocketHealthIndicator(nameServers);
        }
    }

    /** Micrometer meters of the NameServer upstream (hakit.upstream.* from core). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean(name = "rocketNameServerMetrics")
        UpstreamMetrics rocketNameServerMetrics(NameServerGroup nameServers) {
            return new UpstreamMetrics(nameServers.upstream());
        }
    }
}
