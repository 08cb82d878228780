package io.github.hakit.rabbit.spring;

import static io.github.hakit.core.spring.PropertyValues.check;
import static io.github.hakit.core.spring.PropertyValues.set;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.spring.ServerList;
import io.github.hakit.rabbit.RabbitCluster;
import java.util.ArrayList;
import java.util.List;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.amqp.ConnectionFactoryCustomizer;
import org.springframework.boot.autoconfigure.amqp.RabbitConnectionDetails;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Spring Boot auto-configuration of hakit's RabbitMQ support, on unless {@code hakit.rabbit.enabled=false}.
 *
 * <ul>
 *   <li>With Spring AMQP ({@code spring-boot-starter-amqp}): a {@link RabbitCluster} over the nodes of
 *       {@code spring.rabbitmq.addresses} (or {@code host}/{@code port}), checked with Spring's own credentials,
 *       virtual host and TLS; Spring Boot's {@link CachingConnectionFactory} gets the cluster's health-ordered
 *       {@code AddressResolver}, so {@code RabbitTemplate} and {@code @RabbitListener} containers connect to a
 *       healthy node and fail over to the next one with no code change; connect/handshake timeouts and heartbeat
 *       become hakit's unless {@code spring.rabbitmq.*} sets them; listener containers reconnect after 50 ms
 *       doubling to 1 s instead of Spring AMQP's fixed 5 s. Off with {@code hakit.rabbit.spring-amqp.enabled=false}.</li>
 *   <li>With {@code hakit.rabbit.addresses} (or {@code servers}): the cluster is built from {@code hakit.rabbit.*}
 *       instead (and still feeds Spring AMQP's connection factory when present).</li>
 * </ul>
 * Health, meters, the {@code ReliablePublisher} and the {@code hakit} endpoint entry come from
 * {@link HakitRabbitObservabilityAutoConfiguration}.
 *
 * <pre>
 * spring.rabbitmq.addresses=10.0.0.1:5672,10.0.0.2:5672,10.0.0.3:5672
 * </pre>
 */
@AutoConfiguration(afterName = "org.springframework.boot.autoconfigure.amqp.RabbitAutoConfiguration")
@ConditionalOnClass(RabbitCluster.class)
@ConditionalOnProperty(prefix = "hakit.rabbit", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(HakitRabbitProperties.class)
public class HakitRabbitAutoConfiguration {

    /** A cluster from {@code hakit.rabbit.addresses} / {@code servers}. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @Conditional(OwnNodes.class)
    public RabbitCluster rabbitCluster(HakitRabbitProperties p) {
        RabbitCluster.Builder b = builder(p, ownEndpoints(p));
        // the password is never part of a message: InvalidPropertyException redacts, and it is not echoed here
        set("hakit.rabbit.username", p.getUsername(), u -> b.credentials(u, p.getPassword()));
        set("hakit.rabbit.virtual-host", p.getVirtualHost(), b::virtualHost);
        return check("hakit.rabbit", b::build);
    }

    static List<Endpoint> ownEndpoints(HakitRabbitProperties p) {
        List<Endpoint> endpoints = new ArrayList<>();
        if (p.getAddresses() != null && !p.getAddresses().isBlank()) {
            endpoints.addAll(ServerList.parse("hakit.rabbit.addresses", p.getAddresses(),
                    HakitRabbitProperties.DEFAULT_PORT));
        }
        if (p.getServers().stream().anyMatch(s -> s != null && !s.isBlank())) {
            endpoints.addAll(ServerList.parse("hakit.rabbit.servers", p.getServers(), HakitRabbitProperties.DEFAULT_PORT));
        }
        return endpoints;
    }

    static RabbitCluster.Builder builder(HakitRabbitProperties p, List<Endpoint> endpoints) {
        HealthCheckConfig check = check("hakit.rabbit.health-check", () -> p.getHealthCheck().toConfig());
        if (check == null) {
            throw new io.github.hakit.core.spring.InvalidPropertyException("hakit.rabbit.health-check.enabled",
                    "false", "the RabbitMQ cluster routes by node health and cannot run without checks",
                    "true (tune hakit.rabbit.health-check.inter/rise/fall instead)");
        }
        RabbitCluster.Builder b = RabbitCluster.builder().endpoints(endpoints).healthCheck(check);
        // each value through PropertyValues: a value the builder refuses is reported under its property's name
        set("hakit.rabbit.connection-timeout", p.getConnectionTimeout(), b::connectionTimeout);
        set("hakit.rabbit.handshake-timeout", p.getHandshakeTimeout(), b::handshakeTimeout);
        set("hakit.rabbit.heartbeat", p.getHeartbeat(), b::heartbeat);
        set("hakit.rabbit.management-urls", p.getManagementUrls(), b::managementUrls);
        return b;
    }

    /** {@code hakit.rabbit.addresses} or {@code hakit.rabbit.servers} is set. */
    static class OwnNodes extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return ownNodes(context.getEnvironment())
                    ? ConditionOutcome.match("hakit.rabbit.addresses or hakit.rabbit.servers is set")
                    : ConditionOutcome.noMatch("neither hakit.rabbit.addresses nor hakit.rabbit.servers is set");
        }

        static boolean ownNodes(Environment env) {
            String addresses = env.getProperty("hakit.rabbit.addresses");
            boolean servers = Binder.get(env).bind("hakit.rabbit.servers", String[].class)
                    .map(a -> a.length > 0).orElse(false);
            return (addresses != null && !addresses.isBlank()) || servers;
        }
    }

    /** Neither {@code hakit.rabbit.addresses} nor {@code servers}: the nodes come from {@code spring.rabbitmq.*}. */
    static class NoOwnNodes extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return OwnNodes.ownNodes(context.getEnvironment())
                    ? ConditionOutcome.noMatch("hakit.rabbit.addresses or servers is set")
                    : ConditionOutcome.match("no hakit.rabbit.addresses/servers: nodes from spring.rabbitmq.*");
        }
    }

    /** Spring AMQP: hakit's address resolver, timeouts and listener recovery. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({CachingConnectionFactory.class, RabbitConnectionDetails.class})
    @ConditionalOnProperty(prefix = "hakit.rabbit.spring-amqp", name = "enabled", matchIfMissing = true)
    static class SpringAmqp {

        /** The cluster over Spring AMQP's nodes, probed with a copy of Spring's own amqp-client factory. */
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        @ConditionalOnBean(CachingConnectionFactory.class)
        @Conditional(NoOwnNodes.class)
        RabbitCluster springRabbitCluster(CachingConnectionFactory connectionFactory,
                RabbitConnectionDetails connection, HakitRabbitProperties p) {
            List<Endpoint> endpoints = connection.getAddresses().stream()
                    .map(a -> Endpoint.of(a.host(), a.port())).toList();
            com.rabbitmq.client.ConnectionFactory spring = connectionFactory.getRabbitConnectionFactory();
            return builder(p, endpoints).connectionFactory(spring::clone).build();
        }

        @Bean
        static SpringAmqpPostProcessor hakitSpringAmqpPostProcessor(ObjectProvider<RabbitCluster> cluster,
                ObjectProvider<HakitRabbitProperties> properties, ListableBeanFactory beans) {
            return new SpringAmqpPostProcessor(cluster, properties, beans);
        }

        @Bean
        ConnectionFactoryCustomizer hakitRabbitTimeouts(HakitRabbitProperties p, Environment env) {
            return new HakitConnectionFactoryCustomizer(p, env);
        }
    }
}
