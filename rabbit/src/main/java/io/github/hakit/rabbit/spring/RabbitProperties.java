package io.github.hakit.rabbit.spring;

import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.HealthCheckSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code hakit.rabbit.*}: the nodes and how hakit checks and reaches them.
 *
 * <pre>
 * hakit.rabbit.addresses=10.0.0.1:5672,10.0.0.2:5672,10.0.0.3:5672
 * hakit.rabbit.username=app
 * hakit.rabbit.password=secret
 * hakit.rabbit.management-urls=http://10.0.0.1:15672,http://10.0.0.2:15672
 * hakit.rabbit.publisher.enabled=true
 * hakit.rabbit.publisher.leader-queue=orders
 * </pre>
 */
@ConfigurationProperties(prefix = "hakit.rabbit")
public class RabbitProperties {
    /** Nodes as {@code host:port,host:port}. */
    private String addresses;
    /** HAProxy {@code server} lines instead of (or besides) addresses, e.g. {@code server a 10.0.0.1:5672 check}. */
    private List<String> servers = new ArrayList<>();
    private String username = "guest";
    private String password = "guest";
    private String virtualHost = "/";
    /** Management API base URLs, for the cluster view in health and leader-aware placement. */
    private List<String> managementUrls = new ArrayList<>();
    private Duration connectionTimeout = Duration.ofSeconds(2);
    private Duration handshakeTimeout = Duration.ofSeconds(2);
    private Duration heartbeat = Duration.ofSeconds(5);
    /** Active checks (HAProxy semantics) through an AMQP handshake: inter 1s, fast-inter 250ms, rise 2, fall 2, timeout 1s. */
    private final HealthCheckSettings healthCheck = new HealthCheckSettings(HealthCheckConfig.builder()
            .inter(Duration.ofSeconds(1)).fastInter(Duration.ofMillis(250)).rise(2).fall(2).build());
    private final Publisher publisher = new Publisher();

    public String getAddresses() {
        return addresses;
    }

    public void setAddresses(String addresses) {
        this.addresses = addresses;
    }

    public List<String> getServers() {
        return servers;
    }

    public void setServers(List<String> servers) {
        this.servers = servers;
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public String getVirtualHost() {
        return virtualHost;
    }

    public void setVirtualHost(String virtualHost) {
        this.virtualHost = virtualHost;
    }

    public List<String> getManagementUrls() {
        return managementUrls;
    }

    public void setManagementUrls(List<String> managementUrls) {
        this.managementUrls = managementUrls;
    }

    public Duration getConnectionTimeout() {
        return connectionTimeout;
    }

    public void setConnectionTimeout(Duration connectionTimeout) {
        this.connectionTimeout = connectionTimeout;
    }

    public Duration getHandshakeTimeout() {
        return handshakeTimeout;
    }

    public void setHandshakeTimeout(Duration handshakeTimeout) {
        this.handshakeTimeout = handshakeTimeout;
    }

    public Duration getHeartbeat() {
        return heartbeat;
    }

    public void setHeartbeat(Duration heartbeat) {
        this.heartbeat = heartbeat;
    }

    public HealthCheckSettings getHealthCheck() {
        return healthCheck;
    }

    public Publisher getPublisher() {
        return publisher;
    }

    /** The {@code ReliablePublisher} bean, off unless {@code enabled}. */
    public static class Publisher {
        private boolean enabled;
        private int maxInFlight = 10_000;
        private Duration blockTimeout = Duration.ofSeconds(10);
        private Duration confirmDeadline = Duration.ofSeconds(30);
        /** Quorum queue whose leader the publisher's connection should be on (needs management URLs). */
        private String leaderQueue;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getMaxInFlight() {
            return maxInFlight;
        }

        public void setMaxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
        }

        public Duration getBlockTimeout() {
            return blockTimeout;
        }

        public void setBlockTimeout(Duration blockTimeout) {
            this.blockTimeout = blockTimeout;
        }

        public Duration getConfirmDeadline() {
            return confirmDeadline;
        }

        public void setConfirmDeadline(Duration confirmDeadline) {
            this.confirmDeadline = confirmDeadline;
        }

        public String getLeaderQueue() {
            return leaderQueue;
        }

        public void setLeaderQueue(String leaderQueue) {
            this.leaderQueue = leaderQueue;
        }
    }
}
