package io.github.hakit.rocket.spring;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.spring.InvalidPropertyException;
import io.github.hakit.core.spring.PropertyValues;
import io.github.hakit.core.spring.ServerList;
import io.github.hakit.rocket.HaProducer;
import io.github.hakit.rocket.HttpNameServerSource;
import io.github.hakit.rocket.NameServerGroup;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import org.apache.rocketmq.client.Validators;
import org.apache.rocketmq.client.exception.MQClientException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Spring Boot auto-configuration of hakit's RocketMQ support, on unless {@code hakit.rocket.enabled=false}: a started
 * {@link NameServerGroup} over {@code hakit.rocket.name-servers}, {@code hakit.rocket.servers} or
 * {@code hakit.rocket.address-server-url} — or, when none is set, rocketmq-spring's {@code rocketmq.name-server};
 * an {@link HaProducer} on it when {@code hakit.rocket.producer.group} is set; with rocketmq-spring-boot on the class
 * path, {@code RocketMQTemplate} and {@code @RocketMQMessageListener} consumers on the group with hakit's producer
 * failover ({@link RocketMQSpringPostProcessor}; off with {@code hakit.rocket.rocketmq-spring.enabled=false}). Health,
 * meters and the {@code hakit} endpoint entry come from {@link RocketObservabilityAutoConfiguration}.
 *
 * <pre>
 * rocketmq.name-server=10.0.0.1:9876;10.0.0.2:9876;10.0.0.3:9876    # rocketmq-spring: all it takes
 * rocketmq.producer.group=order-producer
 * </pre>
 */
@AutoConfiguration(beforeName = "org.apache.rocketmq.spring.autoconfigure.RocketMQAutoConfiguration")
@ConditionalOnClass(NameServerGroup.class)
@ConditionalOnProperty(prefix = "hakit.rocket", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(RocketProperties.class)
public class RocketAutoConfiguration {
    /** RocketMQ's NameServer port, for entries without one. */
    public static final int DEFAULT_PORT = 9876;

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

        @ConditionalOnProperty(prefix = "rocketmq", name = "name-server")
        static class RocketMQSpring {
        }
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @Conditional(NameServersConfigured.class)
    public NameServerGroup rocketNameServerGroup(RocketProperties p, Environment env) {
        HealthCheckConfig check = PropertyValues.check("hakit.rocket.health-check", () -> p.getHealthCheck().toConfig());
        if (check == null) {
            throw new InvalidPropertyException("hakit.rocket.health-check.enabled", "false", "the NameServer group "
                    + "keeps clients on the NameServers its checks find UP and cannot run without them",
                    "true (tune hakit.rocket.health-check.inter/rise/fall instead)");
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
        if (given.size() > 1) {
            throw new InvalidPropertyException(given.get(1), "(set)", "set exactly one of hakit.rocket.name-servers, "
                    + "hakit.rocket.servers and hakit.rocket.address-server-url; set: " + given,
                    "one of hakit.rocket.name-servers, hakit.rocket.servers and hakit.rocket.address-server-url");
        }
        String source = given.isEmpty() ? "rocketmq.name-server" : given.get(0);
        NameServerGroup.Builder b = PropertyValues.check("hakit.rocket.name", () -> NameServerGroup.builder(p.getName()))
                .healthCheck(check);
        // each value through PropertyValues: a value the builder refuses is reported under its property's name
        PropertyValues.set("hakit.rocket.max-fails", p.getMaxFails(), b::maxFails);
        PropertyValues.set("hakit.rocket.fail-timeout", p.getFailTimeout(), b::failTimeout);
        PropertyValues.set("hakit.rocket.source-refresh", p.getSourceRefresh(), b::sourceRefresh);
        PropertyValues.set("hakit.rocket.source-timeout", p.getSourceTimeout(), b::sourceTimeout);
        switch (source) {
            case "hakit.rocket.name-servers" -> b.addresses(addresses(source, p.getNameServers()));
            case "hakit.rocket.servers" -> PropertyValues.set(source, p.getServers(), servers ->
                    b.haproxyBackend("backend " + p.getName() + "\n    "
                            + String.join("\n    ", servers.stream().map(String::trim).toList())));
            case "hakit.rocket.address-server-url" -> PropertyValues.set(source, p.getAddressServerUrl(),
                    url -> b.source(new HttpNameServerSource(new OkHttpClient(), url)));
            default -> b.addresses(addresses(source, env.getProperty(source)));
        }
        return PropertyValues.check("hakit.rocket", b::build).start();
    }

    /** {@code host:port} strings from a list property (',', ';', whitespace; port 9876 by default). */
    static List<String> addresses(String property, String value) {
        return ServerList.parse(property, value, DEFAULT_PORT).stream().map(Endpoint::address).toList();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBean(NameServerGroup.class)
    @ConditionalOnProperty(prefix = "hakit.rocket.producer", name = "group")
    public HaProducer rocketProducer(NameServerGroup nameServers, RocketProperties p) throws MQClientException {
        RocketProperties.Producer config = p.getProducer();
        PropertyValues.set("hakit.rocket.producer.group", config.getGroup(), RocketAutoConfiguration::checkGroup);
        HaProducer.Builder b = HaProducer.builder(config.getGroup()).nameServers(nameServers);
        PropertyValues.set("hakit.rocket.producer.send-timeout", config.getSendTimeout(), b::sendTimeout);
        PropertyValues.set("hakit.rocket.producer.tries", config.getTries(), b::tries);
        PropertyValues.set("hakit.rocket.producer.broker-isolation", config.getBrokerIsolation(), b::brokerIsolation);
        return PropertyValues.check("hakit.rocket.producer", b::build).start();
    }

    /** RocketMQ's own rule for group names (characters, length), checked before the client refuses to start. */
    static void checkGroup(String group) {
        try {
            Validators.checkGroup(group);
        } catch (MQClientException e) {
            throw new IllegalArgumentException(e.getErrorMessage());
        }
    }

    /** rocketmq-spring-boot: RocketMQTemplate and @RocketMQMessageListener on the group, with hakit's failover. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.apache.rocketmq.spring.core.RocketMQTemplate")
    @ConditionalOnProperty(prefix = "hakit.rocket.rocketmq-spring", name = "enabled", matchIfMissing = true)
    static class RocketMQSpring {
        @Bean
        static RocketMQSpringPostProcessor hakitRocketMQSpringPostProcessor(ObjectProvider<NameServerGroup> group,
                ObjectProvider<RocketProperties> properties) {
            return new RocketMQSpringPostProcessor(group, properties);
        }
    }
}
