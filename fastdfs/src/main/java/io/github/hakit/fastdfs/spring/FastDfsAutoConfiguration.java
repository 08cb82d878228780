package io.github.hakit.fastdfs.spring;

import io.github.hakit.core.metrics.UpstreamMetrics;
import io.github.hakit.fastdfs.FastDfsClient;
import io.github.hakit.fastdfs.FastDfsHttp;
import io.github.hakit.fastdfs.PoolConfig;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring Boot auto-configuration: a {@link FastDfsClient} when {@code hakit.fastdfs.trackers} is set, a
 * {@link FastDfsHttp} when {@code hakit.fastdfs.http.enabled=true}, an actuator health indicator
 * ({@code fastdfs}) and Micrometer meters for the tracker upstream when those libraries are present.
 *
 * <pre>
 * hakit.fastdfs.trackers=10.0.0.1:22122,10.0.0.2:22122
 * </pre>
 */
@AutoConfiguration
@ConditionalOnClass(FastDfsClient.class)
@ConditionalOnProperty(prefix = "hakit.fastdfs", name = "trackers")
@EnableConfigurationProperties(FastDfsProperties.class)
public class FastDfsAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public FastDfsClient fastDfsClient(FastDfsProperties p) {
        if (p.getTrackers().isEmpty()) {
            throw new IllegalStateException("hakit.fastdfs.trackers is empty");
        }
        FastDfsProperties.Pool pool = p.getPool();
        return FastDfsClient.builder()
                .trackerLines(p.getTrackers())
                .connectTimeout(p.getConnectTimeout())
                .networkTimeout(p.getNetworkTimeout())
                .callTimeout(p.getCallTimeout())
                .storageFailTimeout(p.getStorageFailTimeout())
                .healthCheck(p.getHealthCheck().toConfig())
                .pool(new PoolConfig(pool.getMaxPerEndpoint(), pool.getBorrowTimeout(), pool.getValidateAfterIdle(),
                        pool.getMaxIdle()))
                .build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "hakit.fastdfs.http", name = "enabled", havingValue = "true")
    public FastDfsHttp fastDfsHttp(FastDfsProperties p) {
        FastDfsProperties.Http h = p.getHttp();
        if (h.getGroups().isEmpty()) {
            throw new IllegalStateException("hakit.fastdfs.http.enabled=true but no hakit.fastdfs.http.groups.<group>");
        }
        FastDfsHttp.Builder b = FastDfsHttp.builder().nextUpstream("proxy_next_upstream " + h.getNextUpstream() + ";")
                .attemptTimeout(h.getAttemptTimeout());
        for (Map.Entry<String, List<String>> g : h.getGroups().entrySet()) {
            b.group(g.getKey(), g.getValue().toArray(new String[0]));
        }
        return b.build();
    }

    /** Actuator health: DOWN when no tracker answers or a group has no ACTIVE storage. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "fastdfsHealthIndicator")
        HealthIndicator fastdfsHealthIndicator(FastDfsClient client) {
            return new FastDfsHealthIndicator(client);
        }
    }

    /** Micrometer meters of the tracker upstream (hakit.upstream.* from core). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean(name = "fastdfsTrackerMetrics")
        UpstreamMetrics fastdfsTrackerMetrics(FastDfsClient client) {
            return new UpstreamMetrics(client.trackers());
        }
    }
}
