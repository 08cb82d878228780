package io.github.hakit.rabbit.spring;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.AddressResolver;
import io.github.hakit.rabbit.RabbitCluster;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.config.AbstractRabbitListenerContainerFactory;
import org.springframework.amqp.rabbit.connection.AbstractConnectionFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Plugs hakit into the Spring AMQP beans Spring Boot (or the application) created:
 * <ul>
 *   <li>every {@link AbstractConnectionFactory} (Boot's {@code CachingConnectionFactory}) gets the
 *       {@link RabbitCluster}'s health-ordered {@link AddressResolver}: each new connection — the first one, and the
 *       one Spring AMQP opens after losing a node — goes to a healthy node, the others follow as amqp-client's
 *       fallbacks; the resolver takes precedence over the factory's {@code addresses};</li>
 *   <li>every listener container factory gets an exponential recovery back-off (50 ms doubling to 1 s by default,
 *       {@code hakit.rabbit.spring-amqp.recovery-*}) instead of Spring AMQP's fixed 5 s.</li>
 * </ul>
 * The resolver looks the cluster up on first use, so the connection factory never waits for the cluster's bean.
 */
public class SpringAmqpPostProcessor implements BeanPostProcessor {
    private static final Logger log = LoggerFactory.getLogger(SpringAmqpPostProcessor.class);

    private final ObjectProvider<RabbitCluster> cluster;
    private final ObjectProvider<HakitRabbitProperties> properties;
    private final ListableBeanFactory beans;

    public SpringAmqpPostProcessor(ObjectProvider<RabbitCluster> cluster,
            ObjectProvider<HakitRabbitProperties> properties, ListableBeanFactory beans) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.properties = Objects.requireNonNull(properties, "properties");
        this.beans = Objects.requireNonNull(beans, "beans");
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof AbstractConnectionFactory factory
                && beans.getBeanNamesForType(RabbitCluster.class, false, false).length > 0) {
            factory.setAddressResolver(new ClusterAddressResolver(cluster));
            log.info("Spring AMQP connection factory '{}' connects through hakit's health-ordered address resolver",
                    beanName);
        } else if (bean instanceof AbstractRabbitListenerContainerFactory<?> containers) {
            HakitRabbitProperties.SpringAmqp s = properties.getObject().getSpringAmqp();
            ExponentialBackOff backOff = new ExponentialBackOff(positiveMillis(s.getRecoveryInitialInterval(),
                    "hakit.rabbit.spring-amqp.recovery-initial-interval"), 2.0);
            backOff.setMaxInterval(positiveMillis(s.getRecoveryMaxInterval(),
                    "hakit.rabbit.spring-amqp.recovery-max-interval"));
            containers.setRecoveryBackOff(backOff);
        }
        return bean;
    }

    private static long positiveMillis(java.time.Duration d, String property) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new io.github.hakit.core.spring.InvalidPropertyException(property, String.valueOf(d),
                    "must be > 0", "a positive duration, e.g. 50ms or 1s");
        }
        return d.toMillis();
    }

    /** Delegates to the cluster's resolver, looked up on first use. */
    static final class ClusterAddressResolver implements AddressResolver {
        private final ObjectProvider<RabbitCluster> cluster;
        private volatile AddressResolver delegate;

        ClusterAddressResolver(ObjectProvider<RabbitCluster> cluster) {
            this.cluster = cluster;
        }

        private AddressResolver delegate() {
            AddressResolver d = delegate;
            if (d == null) {
                d = cluster.getObject().addressResolver();
                delegate = d;
            }
            return d;
        }

        @Override
        public List<Address> getAddresses() throws IOException {
            return delegate().getAddresses();
        }

        @Override
        public List<Address> maybeShuffle(List<Address> input) {
            return delegate().maybeShuffle(input);
        }

        @Override
        public String toString() {
            return "hakit health-ordered addresses";
        }
    }
}
