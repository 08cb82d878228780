package io.github.hakit.fastdfs.spring;

import io.github.hakit.core.spring.HakitUpstream;
import io.github.hakit.fastdfs.FastDfsClient;
import io.github.hakit.fastdfs.FastDfsStorageMetrics;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What comes with a {@link FastDfsClient} bean: the tracker upstream's entry in the {@code hakit} actuator endpoint
 * and in {@code hakit.upstream.*} meters (a {@link HakitUpstream} bean), and the actuator health indicator
 * {@code hakitFastdfs}, and the storages' meters {@code hakit.fastdfs.storage.*} ({@link FastDfsStorageMetrics}).
 */
@AutoConfiguration(after = FastDfsAutoConfiguration.class)
@ConditionalOnClass(FastDfsClient.class)
@ConditionalOnBean(FastDfsClient.class)
public class FastDfsObservabilityAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "hakitFastdfsUpstream")
    public HakitUpstream hakitFastdfsUpstream(FastDfsClient client, FastDfsProperties p) {
        return new HakitUpstream("fastdfs", client.trackers(), p.getHealth().isRequired());
    }

    /** Per-storage meters {@code hakit.fastdfs.storage.*} ({@link FastDfsStorageMetrics}), bound by Spring Boot. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean(name = "hakitFastdfsStorageMetrics")
        FastDfsStorageMetrics hakitFastdfsStorageMetrics(FastDfsClient client) {
            return new FastDfsStorageMetrics(client);
        }
    }

    /** Actuator health {@code hakitFastdfs}: DOWN when no tracker answers or a group has no ACTIVE storage. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "hakitFastdfsHealthIndicator")
        HealthIndicator hakitFastdfsHealthIndicator(FastDfsClient client, FastDfsProperties p) {
            return new FastDfsHealthIndicator(client, p.getHealth().isRequired());
        }
    }
}
