package io.github.hakit.fastdfs.spring;

import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.HealthCheckSettings;
import io.github.hakit.core.spring.ClusterHealthSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code hakit.fastdfs.*} properties.
 *
 * <pre>
 * hakit.fastdfs.trackers=10.0.0.1:22122,10.0.0.2:22122
 * hakit.fastdfs.network-timeout=2s
 * hakit.fastdfs.http.enabled=true
 * hakit.fastdfs.http.groups.group1=10.0.0.5:80 weight=1 max_fails=2 fail_timeout=30s,10.0.0.6:80
 * </pre>
 */
@ConfigurationProperties(prefix = "hakit.fastdfs", ignoreUnknownFields = false)
public class FastDfsProperties {
    /** Whether hakit's FastDFS support is on at all. */
    private boolean enabled = true;
    /**
     * Trackers: host[:port] entries separated by ',', ';' or whitespace (port 22122 when none is given), or Nginx /
     * HAProxy 'server' lines, e.g. '10.0.0.1:22122,10.0.0.2:22122' or 'server 10.0.0.1:22122 max_fails=2'.
     */
    private List<String> trackers = new ArrayList<>();
    /** TCP connect timeout to trackers and storages. */
    private Duration connectTimeout = Duration.ofSeconds(2);
    /** Per-attempt tracker timeout, storage read timeout and the longest a request send may stall. */
    private Duration networkTimeout = Duration.ofSeconds(5);
    /**
     * Overall deadline of one operation (tracker queries, storage attempts, answers), plus its content at
     * min-transfer-rate; 0 = none.
     */
    private Duration callTimeout = Duration.ofSeconds(30);
    /** Slowest accepted content transfer in bytes per second (adds size / rate to call-timeout). */
    private long minTransferRate = 64 * 1024;
    /** Largest file downloadBytes accepts (larger ones must be streamed). */
    private long maxBytesInMemory = 64L * 1024 * 1024;
    /** How long a storage that failed stays out of the replica choice (Nginx fail_timeout). */
    private Duration storageFailTimeout = Duration.ofSeconds(10);
    /** ACTIVE_TEST probes of the trackers (HAProxy meaning): inter 2s, rise 2, fall 3, timeout = inter. */
    private final HealthCheckSettings healthCheck = new HealthCheckSettings(HealthCheckConfig.ofDefaults());
    private final Pool pool = new Pool();
    private final Http http = new Http();
    private final ClusterHealthSettings health = new ClusterHealthSettings();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public ClusterHealthSettings getHealth() {
        return health;
    }

    public List<String> getTrackers() {
        return trackers;
    }

    public void setTrackers(List<String> trackers) {
        this.trackers = trackers;
    }

    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public Duration getNetworkTimeout() {
        return networkTimeout;
    }

    public void setNetworkTimeout(Duration networkTimeout) {
        this.networkTimeout = networkTimeout;
    }

    public long getMinTransferRate() {
        return minTransferRate;
    }

    public void setMinTransferRate(long minTransferRate) {
        this.minTransferRate = minTransferRate;
    }

    public long getMaxBytesInMemory() {
        return maxBytesInMemory;
    }

    public void setMaxBytesInMemory(long maxBytesInMemory) {
        this.maxBytesInMemory = maxBytesInMemory;
    }

    public Duration getCallTimeout() {
        return callTimeout;
    }

    public void setCallTimeout(Duration callTimeout) {
        this.callTimeout = callTimeout;
    }

    public Duration getStorageFailTimeout() {
        return storageFailTimeout;
    }

    public void setStorageFailTimeout(Duration storageFailTimeout) {
        this.storageFailTimeout = storageFailTimeout;
    }

    public HealthCheckSettings getHealthCheck() {
        return healthCheck;
    }

    public Pool getPool() {
        return pool;
    }

    public Http getHttp() {
        return http;
    }

    /** Connection pool per tracker/storage. */
    public static class Pool {
        /** Connections per tracker or storage at most. */
        private int maxPerEndpoint = 16;
        /** How long a call waits for a free connection. */
        private Duration borrowTimeout = Duration.ofSeconds(5);
        /** A connection idle longer than this is checked (ACTIVE_TEST) before reuse. */
        private Duration validateAfterIdle = Duration.ofSeconds(2);
        /** A connection idle longer than this is closed. */
        private Duration maxIdle = Duration.ofSeconds(30);

        public int getMaxPerEndpoint() {
            return maxPerEndpoint;
        }

        public void setMaxPerEndpoint(int maxPerEndpoint) {
            this.maxPerEndpoint = maxPerEndpoint;
        }

        public Duration getBorrowTimeout() {
            return borrowTimeout;
        }

        public void setBorrowTimeout(Duration borrowTimeout) {
            this.borrowTimeout = borrowTimeout;
        }

        public Duration getValidateAfterIdle() {
            return validateAfterIdle;
        }

        public void setValidateAfterIdle(Duration validateAfterIdle) {
            this.validateAfterIdle = validateAfterIdle;
        }

        public Duration getMaxIdle() {
            return maxIdle;
        }

        public void setMaxIdle(Duration maxIdle) {
            this.maxIdle = maxIdle;
        }
    }

    /** HTTP downloads from the storages' web servers. */
    public static class Http {
        /** Whether to create a FastDfsHttp bean (downloads over the storages' web servers). */
        private boolean enabled;
        /** Per group: Nginx server lines; bare host:port get weight=1 max_fails=2 fail_timeout=30s. */
        private Map<String, List<String>> groups = new LinkedHashMap<>();
        /** proxy_next_upstream conditions; default the seed's plus http_404 (a replica without a fresh file). */
        private String nextUpstream = "http_404 http_502 http_504 error timeout invalid_header";
        /** Timeout of one HTTP attempt. */
        private Duration attemptTimeout = Duration.ofSeconds(5);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Map<String, List<String>> getGroups() {
            return groups;
        }

        public void setGroups(Map<String, List<String>> groups) {
            this.groups = groups;
        }

        public String getNextUpstream() {
            return nextUpstream;
        }

        public void setNextUpstream(String nextUpstream) {
            this.nextUpstream = nextUpstream;
        }

        public Duration getAttemptTimeout() {
            return attemptTimeout;
        }

        public void setAttemptTimeout(Duration attemptTimeout) {
            this.attemptTimeout = attemptTimeout;
        }
    }
}
