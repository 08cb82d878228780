package io.github.hakit.dubbo.spring;

import io.github.hakit.dubbo.HakitDubbo;
import org.apache.dubbo.rpc.model.ApplicationModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot auto-configuration: installs {@code hakit.dubbo.provider.*} and {@code hakit.dubbo.consumer.*}
 * into the Dubbo application of this context — the {@link ApplicationModel} Dubbo's Spring integration
 * registers as a bean, else Dubbo's default application. It runs when all singletons exist, before the
 * context-refreshed event on which Dubbo exports and refers. Select the cluster with Dubbo's own
 * {@code dubbo.consumer.cluster=hakit} (or per reference). {@code hakit.dubbo.enabled=false} turns all of it off.
 * Nothing here touches Dubbo (not even its default application) unless a provider or consumer side is enabled.
 */
@AutoConfiguration
@ConditionalOnClass({ApplicationModel.class, HakitDubbo.class})
@ConditionalOnProperty(prefix = "hakit.dubbo", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(HakitDubboProperties.class)
public class HakitDubboAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    HakitDubboInstaller hakitDubboInstaller(HakitDubboProperties properties,
            ObjectProvider<ApplicationModel> applicationModel) {
        return new HakitDubboInstaller(properties, applicationModel);
    }

    /** Actuator health of the hakit-routed references, when actuator is present and the consumer side is on. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    @ConditionalOnProperty(prefix = "hakit.dubbo.consumer", name = "enabled", havingValue = "true")
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "hakitDubboHealthIndicator")
        HakitDubboHealthIndicator hakitDubboHealthIndicator(ObjectProvider<ApplicationModel> applicationModel) {
            return new HakitDubboHealthIndicator(applicationModel.getIfAvailable(ApplicationModel::defaultModel));
        }
    }

    /** Installs the options once the context's singletons exist. */
    static final class HakitDubboInstaller implements SmartInitializingSingleton {
        private static final Logger log = LoggerFactory.getLogger(HakitDubboInstaller.class);

        private final HakitDubboProperties properties;
        private final ObjectProvider<ApplicationModel> applicationModel;

        HakitDubboInstaller(HakitDubboProperties properties, ObjectProvider<ApplicationModel> applicationModel) {
            this.properties = properties;
            this.applicationModel = applicationModel;
        }

        @Override
        public void afterSingletonsInstantiated() {
            boolean provider = properties.getProvider().isEnabled();
            boolean consumer = properties.getConsumer().isEnabled();
            if (!provider && !consumer) {
                return;
            }
            ApplicationModel application = applicationModel.getIfAvailable(ApplicationModel::defaultModel);
            if (provider) {
                HakitDubbo.installProvider(application, properties.getProvider().toOptions());
                log.info("hakit: provider options installed into Dubbo application {}", application.getDesc());
            }
            if (consumer) {
                HakitDubbo.installConsumer(application, properties.getConsumer().toOptions());
                log.info("hakit: consumer options installed into Dubbo application {}", application.getDesc());
            }
        }
    }
}
