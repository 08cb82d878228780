package io.github.hakit.fastdfs.spring;

import static io.github.hakit.core.spring.PropertyValues.check;
import static io.github.hakit.core.spring.PropertyValues.set;

import io.github.hakit.core.spring.ServerList;
import io.github.hakit.fastdfs.FastDfsClient;
import io.github.hakit.fastdfs.FastDfsHttp;
import io.github.hakit.fastdfs.PoolConfig;
import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Spring Boot auto-configuration of hakit's FastDFS support, on unless {@code hakit.fastdfs.enabled=false}: a
 * {@link FastDfsClient} when {@code hakit.fastdfs.trackers} is set (entries separated by {@code ,}, {@code ;} or
 * whitespace, or Nginx/HAProxy {@code server} lines; port 22122 when none is given), a {@link FastDfsHttp} when
 * {@code hakit.fastdfs.http.enabled=true}. Health ({@code hakitFastdfs}), meters and the {@code hakit} endpoint
 * entry come from {@link FastDfsObservabilityAutoConfiguration}. Unknown keys under {@code hakit.fastdfs} stop the
 * application, so a typo cannot leave the client unconfigured.
 *
 * <pre>
 * hakit.fastdfs.trackers=10.0.0.1:22122,10.0.0.2:22122
 * </pre>
 */
@AutoConfiguration
@ConditionalOnClass(FastDfsClient.class)
@ConditionalOnProperty(prefix = "hakit.fastdfs", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(FastDfsProperties.class)
public class FastDfsAutoConfiguration {
    /** The FastDFS tracker port (fdfs_define.h FDFS_TRACKER_SERVER_DEF_PORT), for entries without one. */
    public static final int DEFAULT_TRACKER_PORT = 22122;

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @Conditional(TrackersConfigured.class)
    public FastDfsClient fastDfsClient(FastDfsProperties p) {
        FastDfsProperties.Pool pool = p.getPool();
        // each value through PropertyValues: a value the builder refuses is reported under its property's name
        FastDfsClient.Builder b = FastDfsClient.builder()
                .trackers(ServerList.parse("hakit.fastdfs.trackers", p.getTrackers(), DEFAULT_TRACKER_PORT));
        set("hakit.fastdfs.connect-timeout", p.getConnectTimeout(), b::connectTimeout);
        set("hakit.fastdfs.network-timeout", p.getNetworkTimeout(), b::networkTimeout);
        set("hakit.fastdfs.call-timeout", p.getCallTimeout(), b::callTimeout);
        set("hakit.fastdfs.min-transfer-rate", p.getMinTransferRate(), b::minTransferRate);
        set("hakit.fastdfs.max-bytes-in-memory", p.getMaxBytesInMemory(), b::maxBytesInMemory);
        set("hakit.fastdfs.storage-fail-timeout", p.getStorageFailTimeout(), b::storageFailTimeout);
        b.healthCheck(check("hakit.fastdfs.health-check", () -> p.getHealthCheck().toConfig()));
        b.pool(check("hakit.fastdfs.pool", () -> new PoolConfig(pool.getMaxPerEndpoint(), pool.getBorrowTimeout(),
                pool.getValidateAfterIdle(), pool.getMaxIdle())));
        return check("hakit.fastdfs", b::build);
    }

    /** {@code hakit.fastdfs.trackers} holds at least one entry (comma list or indexed). */
    static class TrackersConfigured extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            boolean set = Binder.get(context.getEnvironment()).bind("hakit.fastdfs.trackers", String[].class)
                    .map(a -> a.length > 0).orElse(false);
            return set ? ConditionOutcome.match("hakit.fastdfs.trackers is set")
                    : ConditionOutcome.noMatch("hakit.fastdfs.trackers is not set");
        }
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "hakit.fastdfs.http", name = "enabled", havingValue = "true")
    public FastDfsHttp fastDfsHttp(FastDfsProperties p) {
        FastDfsProperties.Http h = p.getHttp();
        if (h.getGroups().isEmpty()) {
            throw new IllegalStateException("hakit.fastdfs.http.enabled=true but no hakit.fastdfs.http.groups.<group>");
        }
        FastDfsHttp.Builder b = FastDfsHttp.builder();
        set("hakit.fastdfs.http.next-upstream", h.getNextUpstream(),
                v -> b.nextUpstream("proxy_next_upstream " + v + ";"));
        set("hakit.fastdfs.http.attempt-timeout", h.getAttemptTimeout(), b::attemptTimeout);
        for (Map.Entry<String, List<String>> g : h.getGroups().entrySet()) {
            set("hakit.fastdfs.http.groups." + g.getKey(), g.getValue(), v -> b.group(g.getKey(), v.toArray(new String[0])));
        }
        return check("hakit.fastdfs.http", b::build);
    }
}
