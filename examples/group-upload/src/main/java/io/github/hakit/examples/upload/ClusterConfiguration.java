package io.github.hakit.examples.upload;

import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.fastdfs.FastDfsClient;
import io.github.hakit.fastdfs.FastDfsHttp;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The app's FastDFS beans, built with hakit's public builders. */
@Configuration(proxyBeanMethods = false)
public class ClusterConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "group-upload.embedded", havingValue = "true", matchIfMissing = true)
    EmbeddedCluster embeddedCluster() throws IOException {
        return new EmbeddedCluster();
    }

    @Bean(destroyMethod = "close")
    FastDfsClient fastDfsClient(GroupUploadProperties props, ObjectProvider<EmbeddedCluster> embedded) {
        String trackers = Optional.ofNullable(embedded.getIfAvailable()).map(EmbeddedCluster::trackerAddresses)
                .orElse(props.trackers());
        return FastDfsClient.builder().trackers(trackers).connectTimeout(Duration.ofSeconds(1))
                .networkTimeout(props.networkTimeout())
                // ACTIVE_TEST every second, DOWN after 2 misses: the status panel shows a dead tracker within ~2 s
                .healthCheck(HealthCheckConfig.builder().inter(Duration.ofSeconds(1)).fastInter(Duration.ofMillis(300))
                        .rise(2).fall(2).timeout(Duration.ofSeconds(1)).build())
                .build();
    }

    /** HTTP downloads through hakit's Nginx-style upstream per group; none when no web servers are configured. */
    @Bean(destroyMethod = "close")
    HttpDownloads httpDownloads(GroupUploadProperties props, ObjectProvider<EmbeddedCluster> embedded) {
        Map<String, String> groups = new LinkedHashMap<>(props.http());
        EmbeddedCluster e = embedded.getIfAvailable();
        if (e != null) {
            groups.putAll(e.webServersByGroup());
        }
        if (groups.isEmpty()) {
            return new HttpDownloads(null);
        }
        FastDfsHttp.Builder b = FastDfsHttp.builder().attemptTimeout(Duration.ofSeconds(3));
        groups.forEach((group, servers) -> b.group(group, servers.split("\\s*,\\s*")));
        return new HttpDownloads(b.build());
    }

    /** The optional {@link FastDfsHttp}. */
    public record HttpDownloads(FastDfsHttp http) implements AutoCloseable {
        public Optional<FastDfsHttp> get() {
            return Optional.ofNullable(http);
        }

        @Override
        public void close() {
            if (http != null) {
                http.close();
            }
        }
    }
}
